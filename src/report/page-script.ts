/**
 * The run report's script (plain ES2017, inline): builds the gallery and the thumbnails from
 * the page's JSON data block, a page at a time, so a run of thousands of insertions opens as
 * fast as one of ten (only the shown page's crops are in the document, and they load lazily).
 * Every value goes in through textContent or setAttribute, never as markup.
 *
 * Elements it expects: #report-data (JSON, see `RunReportData`), #cards and #gallery-pager,
 * #thumbs and #thumb-pager, #type-filter (a select), #outlines (a checkbox).
 */

/** Insertions per gallery page. */
export const GALLERY_PAGE = 40;
/** Images per thumbnail page. */
export const THUMB_PAGE = 60;
/** Magnification of the crops. */
export const CROP_SCALE = 4;

export const RUN_SCRIPT = `
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var PAGE = ${GALLERY_PAGE}, THUMB_PAGE = ${THUMB_PAGE}, SCALE = ${CROP_SCALE}, GAP = 4;
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var items = data.items, images = data.images;
  var byIndex = {};
  items.forEach(function (it) { byIndex[it.i] = it; });

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sv(tag, attrs) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function typeName(t) { return data.classes[t] !== undefined ? data.classes[t] + ' (' + t + ')' : 'type ' + t; }
  function fmt(v) { return Number.isInteger(v) ? String(v) : v.toFixed(1); }

  function pager(root, total, size, onPage) {
    var state = { page: 0 };
    var prev = el('button', { type: 'button', 'class': 'prev' }, '\\u2039 previous');
    var where = el('span', { 'class': 'where' });
    var next = el('button', { type: 'button', 'class': 'next' }, 'next \\u203a');
    var sel = el('select', { 'class': 'page-select', 'aria-label': 'page' });
    root.textContent = '';
    root.appendChild(prev); root.appendChild(where); root.appendChild(next); root.appendChild(sel);
    function show(p) {
      var n = Math.max(1, Math.ceil(total() / size));
      state.page = Math.min(Math.max(0, p), n - 1);
      sel.textContent = '';
      for (var q = 0; q < n; q++) {
        var o = el('option', { value: q }, String(q + 1));
        if (q === state.page) o.selected = true;
        sel.appendChild(o);
      }
      where.textContent = 'page ' + (state.page + 1) + ' of ' + n + ' \\u00b7 ' + total() + ' in all';
      prev.disabled = state.page === 0;
      next.disabled = state.page >= n - 1;
      onPage(state.page);
    }
    prev.addEventListener('click', function () { show(state.page - 1); });
    next.addEventListener('click', function () { show(state.page + 1); });
    sel.addEventListener('change', function () { show(Number(sel.value)); });
    return { show: show };
  }

  function card(it) {
    var fig = el('figure', { 'class': 'card', id: 'i-' + it.i, 'data-index': it.i });
    var w = 2 * it.s + GAP;
    var box = el('div', { 'class': 'pair' });
    box.style.width = w * SCALE + 'px';
    box.style.height = it.s * SCALE + 'px';
    box.appendChild(el('img', { src: it.crop, width: w * SCALE, height: it.s * SCALE, loading: 'lazy', alt: 'insertion ' + it.i + ': before (left) and after (right)' }));
    var svg = sv('svg', { 'class': 'outline', width: w * SCALE, height: it.s * SCALE, viewBox: '0 0 ' + w + ' ' + it.s });
    var before = sv('g'), after = sv('g', { transform: 'translate(' + (it.s + GAP) + ' 0)' });
    if (it.was) { before.appendChild(sv('path', { 'class': 'was', d: it.was })); after.appendChild(sv('path', { 'class': 'was', d: it.was })); }
    if (it.now) { before.appendChild(sv('path', { 'class': 'now dashed', d: it.now })); after.appendChild(sv('path', { 'class': 'now', d: it.now })); }
    if (it.rect) {
      var c = function (v) { return Math.min(Math.max(v, 0), it.s); };
      var x0 = c(it.rect[0]), y0 = c(it.rect[1]), x1 = c(it.rect[2]), y1 = c(it.rect[3]);
      after.appendChild(sv('rect', { 'class': 'rect', x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
    }
    svg.appendChild(before); svg.appendChild(after);
    box.appendChild(svg);
    fig.appendChild(box);
    var cap = el('figcaption');
    cap.appendChild(el('div', { 'class': 'head' }, '#' + it.i + ' \\u00b7 ' + typeName(it.type) + ' \\u00b7 ' + it.kind));
    var dl = el('dl');
    function row(k, v, href) {
      dl.appendChild(el('dt', {}, k));
      var dd = el('dd');
      if (href) dd.appendChild(el('a', { href: href }, v)); else dd.textContent = v;
      dl.appendChild(dd);
    }
    row('image', images[it.img].name + ' at (' + fmt(it.x) + ', ' + fmt(it.y) + ')', '#img-' + it.img);
    row('donor', it.donor);
    if (it.replaced) row('replaced', it.replaced);
    if (!it.now) row('note', 'its nucleus is not in the output: a later insertion covered it');
    it.details.forEach(function (d) { row(d[0], d[1]); });
    cap.appendChild(dl);
    fig.appendChild(cap);
    return fig;
  }

  function thumb(im, k) {
    var outer = el('div', { 'class': 'thumb-box', id: 'img-' + k });
    var box = el('div', { 'class': 'thumb' });
    box.style.width = im.w + 'px';
    box.style.height = im.h + 'px';
    box.appendChild(el('img', { src: im.thumb, width: im.w, height: im.h, loading: 'lazy', alt: im.name }));
    var svg = sv('svg', { width: im.w, height: im.h, viewBox: '0 0 ' + im.W + ' ' + im.H });
    var r = (6 * im.W) / im.w;
    im.ins.forEach(function (i) {
      var it = byIndex[i];
      if (!it) return;
      var a = sv('a', { href: '#i-' + i });
      var c = sv('circle', { cx: it.x, cy: it.y, r: r, 'stroke-width': (2.2 * im.W) / im.w });
      var t = sv('title');
      t.textContent = '#' + i + ' ' + typeName(it.type) + ', ' + it.kind;
      c.appendChild(t);
      a.appendChild(c);
      svg.appendChild(a);
    });
    box.appendChild(svg);
    outer.appendChild(box);
    outer.appendChild(el('div', { 'class': 'name' }, im.name + ' \\u00b7 ' + im.ins.length + (im.ins.length === 1 ? ' insertion' : ' insertions')));
    return outer;
  }

  var typeSel = document.getElementById('type-filter');
  var shown = items;
  function applyFilter() {
    var t = typeSel.value;
    shown = t === '' ? items : items.filter(function (it) { return String(it.type) === t; });
  }
  var cards = document.getElementById('cards');
  var gallery = pager(document.getElementById('gallery-pager'), function () { return shown.length; }, PAGE, function (p) {
    cards.textContent = '';
    shown.slice(p * PAGE, (p + 1) * PAGE).forEach(function (it) { cards.appendChild(card(it)); });
  });
  typeSel.addEventListener('change', function () { applyFilter(); gallery.show(0); });
  var thumbs = document.getElementById('thumbs');
  var thumbPager = pager(document.getElementById('thumb-pager'), function () { return images.length; }, THUMB_PAGE, function (p) {
    thumbs.textContent = '';
    images.slice(p * THUMB_PAGE, (p + 1) * THUMB_PAGE).forEach(function (im, j) { thumbs.appendChild(thumb(im, p * THUMB_PAGE + j)); });
  });
  var toggle = document.getElementById('outlines');
  toggle.addEventListener('change', function () { document.body.classList.toggle('no-outlines', !toggle.checked); });

  function reveal(e) {
    var hits = document.querySelectorAll('.hit');
    for (var h = 0; h < hits.length; h++) hits[h].classList.remove('hit');
    e.classList.add('hit');
    e.scrollIntoView({ block: 'center' });
  }
  function go() {
    var m = /^#i-(\\d+)$/.exec(location.hash);
    if (m && byIndex[m[1]]) {
      var it = byIndex[m[1]];
      if (shown.indexOf(it) < 0) { typeSel.value = ''; applyFilter(); }
      gallery.show(Math.floor(shown.indexOf(it) / PAGE));
      reveal(document.getElementById('i-' + it.i));
      return;
    }
    m = /^#img-(\\d+)$/.exec(location.hash);
    if (m && images[m[1]]) {
      thumbPager.show(Math.floor(Number(m[1]) / THUMB_PAGE));
      reveal(document.getElementById('img-' + m[1]));
    }
  }
  window.addEventListener('hashchange', go);
  applyFilter();
  gallery.show(0);
  thumbPager.show(0);
  if (location.hash) go();
  document.body.setAttribute('data-ready', 'true');
})();
`;
