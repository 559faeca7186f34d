import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Command } from 'commander';
import { formatDuration, progress, quietOption } from '../../src/cli/progress.ts';
import { progressSink } from '../../src/cli/progress-sink.ts';

/** A stream that keeps what is written, as a terminal (`isTTY`) or as a log file. */
function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = isTTY;
  stream.text = () => chunks.join('');
  return stream;
}

/** A clock the test moves by hand (milliseconds). */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 5_000; // not 0: nothing may assume the clock starts there
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('formatDuration: seconds, minutes with seconds, hours with minutes', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(7.4), '7s');
  assert.equal(formatDuration(59.4), '59s');
  assert.equal(formatDuration(60), '1m00s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3599), '59m59s');
  assert.equal(formatDuration(3600), '1h00m');
  assert.equal(formatDuration(7440), '2h04m');
  assert.equal(formatDuration(-3), '0s');
});

test('not a terminal: the first line, at most one line per interval, and the last line', () => {
  const stream = fakeStream(false);
  const clock = fakeClock();
  const bar = progress('features', 27, { stream, now: clock.now });
  // 27 steps of 3 s: a line when ≥ 10 s passed since the last one (after steps 4, 8, 12, …).
  for (let i = 1; i <= 27; i++) {
    clock.advance(3_000);
    bar.tick(`train_${i}`);
  }
  bar.stop(); // after the last step: no second last line
  const lines = stream.text().trimEnd().split('\n');
  assert.equal(lines[0], 'features 0/27 started');
  assert.equal(lines[1], 'features 4/27 (14%), 12s elapsed, ETA 1m09s: train_4');
  assert.equal(lines[2], 'features 8/27 (29%), 24s elapsed, ETA 57s: train_8');
  assert.equal(lines.at(-1), 'features 27/27 done in 1m21s');
  // Steps 4, 8, …, 24 print (6 lines): 1 + 6 + 1 in all.
  assert.equal(lines.length, 8);
  for (const line of lines.slice(1, -1)) assert.match(line, /^features \d+\/27 \(\d+%\), \S+ elapsed, ETA \S+: train_\d+$/);
});

test('not a terminal: the ETA is the mean step time times the steps left', () => {
  const stream = fakeStream(false);
  const clock = fakeClock();
  const bar = progress('render', 10, { stream, now: clock.now, interval: 0 });
  clock.advance(20_000);
  bar.tick(); // 1 step in 20 s: 9 left ⇒ 180 s
  clock.advance(20_000);
  bar.tick(); // 2 steps in 40 s: 8 left ⇒ 160 s
  const lines = stream.text().trimEnd().split('\n');
  assert.deepEqual(lines.slice(1), ['render 1/10 (10%), 20s elapsed, ETA 3m00s', 'render 2/10 (20%), 40s elapsed, ETA 2m40s']);
});

test('not a terminal: a phase stopped early says so, once; ticks after the end print nothing', () => {
  const stream = fakeStream(false);
  const clock = fakeClock();
  const bar = progress('index', 5, { stream, now: clock.now });
  clock.advance(2_500);
  bar.tick('a');
  bar.stop();
  bar.stop();
  bar.tick('b');
  assert.equal(stream.text(), 'index 0/5 started\nindex 1/5 stopped after 3s\n');
});

test('quiet shows nothing, on a terminal or not; an empty phase shows nothing', () => {
  for (const isTTY of [false, true]) {
    const stream = fakeStream(isTTY);
    const bar = progress('reading', 3, { stream, quiet: true });
    bar.tick('x');
    bar.stop();
    assert.equal(stream.text(), '');
  }
  const stream = fakeStream(false);
  progress('reading', 0, { stream }).stop();
  assert.equal(stream.text(), '');
});

test('a terminal gets a bar with the count, elapsed time and ETA, cleared at the end', () => {
  const stream = Object.assign(fakeStream(true), { columns: 200 });
  const bar = progress('reading', 4, { stream });
  bar.tick('img_1');
  bar.tick('img_2');
  bar.stop();
  const text = stream.text();
  assert.match(text, /reading\s+\S+ 0\/4 0% \| \d+s elapsed \| ETA \? \| /, 'no ETA before the first step');
  assert.match(text, /reading\s+\S+ 2\/4 50% \| \d+s elapsed \| ETA \d+s \| img_2/);
  assert.ok(text.endsWith('\u001b[2K'), 'the bar line is erased when it stops');
  assert.doesNotMatch(text, /started|done in/, 'no log lines on a terminal');
});

test('progressSink: one run of lines per phase, options passed on', () => {
  const stream = fakeStream(false);
  const clock = fakeClock();
  const sink = progressSink({ stream, now: clock.now });
  sink.phase('locations', 2);
  sink.tick('a');
  sink.tick('b');
  sink.phase('features', 2); // a new phase ends the previous one (already done: no extra line)
  clock.advance(1_000);
  sink.tick('a');
  sink.done();
  assert.deepEqual(stream.text().trimEnd().split('\n'), ['locations 0/2 started', 'locations 2/2 done in 0s', 'features 0/2 started', 'features 1/2 stopped after 1s']);
  const quiet = fakeStream(false);
  const silent = progressSink({ stream: quiet, quiet: true });
  silent.phase('locations', 2);
  silent.tick('a');
  silent.done();
  assert.equal(quiet.text(), '');
});

test('quietOption: -q and --quiet parse to quiet: true; absent, undefined', () => {
  const parse = (...args: string[]) => new Command('x').exitOverride().addOption(quietOption()).parse(args, { from: 'user' }).opts().quiet;
  assert.equal(parse('--quiet'), true);
  assert.equal(parse('-q'), true);
  assert.equal(parse(), undefined);
});
