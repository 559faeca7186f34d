import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { esc, html, jsonForScript, num, raw } from '../../src/report/html.ts';

describe('report HTML', () => {
  it('escapes every interpolated value unless it is markup already', () => {
    const name = `<img src=x onerror="alert('1')">&`;
    const out = html`<td title="${name}">${name}</td>${raw('<br>')}${[1, '<b>', html`<i>${'&'}</i>`]}${null}${undefined}${false}`.text;
    assert.equal(out, '<td title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</td><br>1&lt;b&gt;<i>&amp;</i>');
    assert.equal(esc(0), '0');
  });

  it('writes JSON that cannot close its script element and parses back to the same value', () => {
    const value = { name: '</script><script>alert(1)</script>', comment: '<!--', amp: 'a & b', sep: '\u2028\u2029', n: [1.5, -2] };
    const text = jsonForScript(value).text;
    assert.doesNotMatch(text, /<|>|&|\u2028|\u2029/);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('prints numbers with fixed decimals and a dash for missing ones', () => {
    assert.equal(num(0.12345), '0.123');
    assert.equal(num(2, 1), '2.0');
    for (const v of [NaN, Infinity, undefined, null]) assert.equal(num(v), '—');
  });
});
