/* cse-pdf live scoring: the viewer-side back end of the layout's rule vocabulary.
 *
 * Generic: nothing here knows a form. cse_pdf/live.py appends the form's compiled rules (P, a
 * plain object literal) and one line per calculated field. It mirrors cse_pdf/score.py rule for
 * rule; tests/test_live_scoring.py holds the two to the same answers. Plain ES3 in the common
 * Acrobat subset: var, for loops, no JSON, no Array extras, no String.trim.
 */
function cseTrim(s) { return String(s).replace(/^\s+|\s+$/g, ""); }

function cseIn(v, list) {
  for (var i = 0; i < list.length; i++) { if (list[i] === v) { return true; } }
  return false;
}

/* A field's answer as score.py sees it: checkbox true/false, otherwise trimmed text or null. */
function cseValue(doc, P, id) {
  var f = doc.getField(id);
  if (f === null || typeof f === "undefined") { return null; }
  var v = f.value;
  if (P.types[id] === "checkbox") { return !(v === "Off" || v === "" || v === null || typeof v === "undefined"); }
  if (v === null || typeof v === "undefined") { return null; }
  if (typeof f.valueAsString !== "undefined" && f.valueAsString !== null && typeof v === "number") {
    v = f.valueAsString;
  }
  v = String(v);
  if (P.types[id] === "radio" || P.types[id] === "dropdown") {
    v = cseTrim(v);
    return (v === "" || v === "Off") ? null : v;
  }
  return cseTrim(v) === "" ? null : v;
}

function cseNumber(v) { return (typeof v === "string" && /^[0-9]+$/.test(v)) ? parseInt(v, 10) : null; }

function cseFill(template, facts) {
  return String(template).replace(/\{([a-z_]+)\}/g, function (all, name) {
    return (typeof facts[name] === "undefined") ? all : String(facts[name]);
  });
}

function cseMerge(a, b) {
  var out = {}, k;
  for (k in a) { if (a.hasOwnProperty(k)) { out[k] = a[k]; } }
  for (k in b) { if (b.hasOwnProperty(k)) { out[k] = b[k]; } }
  return out;
}

/* DD/MM/YYYY (also D/M/YYYY, '-' or '.') or ISO; null when unreadable: never a guess. */
function cseDate(text) {
  var m = /^\s*(\d{1,2})\s*[\/.\-]\s*(\d{1,2})\s*[\/.\-]\s*(\d{4})\s*$/.exec(text), y, mo, d;
  if (m) { d = parseInt(m[1], 10); mo = parseInt(m[2], 10); y = parseInt(m[3], 10); }
  else {
    m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
    if (!m) { return null; }
    y = parseInt(m[1], 10); mo = parseInt(m[2], 10); d = parseInt(m[3], 10);
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1) { return null; }
  var days = [31, ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (d > days[mo - 1]) { return null; }
  return { y: y, m: mo, d: d };
}

function cseAge(dob, on) {
  var before = (on.m < dob.m) || (on.m === dob.m && on.d < dob.d);
  return on.y - dob.y - (before ? 1 : 0);
}

function cseLabels(P, ids) {
  var out = [];
  for (var i = 0; i < ids.length; i++) { out.push(P.labels[ids[i]]); }
  return out.join(", ");
}

/* The facts behind a condition when it holds, else null (score.py _holds). */
function cseHolds(c, P, get, base) {
  var i, v, hits, ok, parts;
  if (c.kind === "count") {
    hits = [];
    var members = P.groups[c.of];
    for (i = 0; i < members.length; i++) {
      v = get(members[i]);
      if (typeof c.score_at_least !== "undefined") { ok = (cseNumber(v) || 0) >= c.score_at_least; }
      else if (typeof c.checked !== "undefined") { ok = v !== null && (v === true) === c.checked; }
      else if (typeof c.answered !== "undefined") {
        ok = (v === true || (typeof v === "string" && cseTrim(v) !== "")) === c.answered;
      }
      else { ok = cseIn(v, c.values || []); }
      if (ok) { hits.push(members[i]); }
    }
    var atLeast = (typeof c.count_at_least === "undefined") ? 1 : c.count_at_least;
    return hits.length >= atLeast ? { count: hits.length, fields: cseLabels(P, hits) } : null;
  }
  if (c.kind === "answer") {
    v = get(c.field);
    if (!cseIn(v, c.values)) { return null; }
    var label = P.options[c.field] && P.options[c.field].hasOwnProperty(v) ? P.options[c.field][v] : "None";
    return { field: P.labels[c.field], value: label };
  }
  if (c.kind === "age_under") {
    var dobText = get(c.dob), onText = get(c.on);
    if (dobText === null || onText === null) { return null; }
    var dob = cseDate(dobText), on = cseDate(onText);
    if (dob === null || on === null) { return null; }
    var age = cseAge(dob, on);
    return (age >= 0 && age < c.years) ? { age: age, years: c.years } : null;
  }
  if (c.kind === "base_level") { return base >= c.at_least ? { base_level: base } : null; }
  parts = 0;
  for (i = 0; i < c.conditions.length; i++) { if (cseHolds(c.conditions[i], P, get, base) !== null) { parts++; } }
  if (c.kind === "all") { return parts === c.conditions.length ? {} : null; }
  return parts > 0 ? {} : null;
}

function cseLevelLabel(P, level) {
  for (var i = 0; i < P.levels.length; i++) { if (P.levels[i].level === level) { return P.levels[i].label; } }
  return String(level);
}

function cseBand(rule, total) {
  var lower = null;
  for (var i = 0; i < rule.bands.length; i++) {
    var b = rule.bands[i], upto = (typeof b.upto === "undefined") ? null : b.upto;
    if (upto === null || total <= upto) {
      var span = (lower !== null && upto !== null) ? (lower + 1) + "\u2013" + upto
        : (upto !== null ? "\u2264 " + upto : "\u2265 " + (lower + 1));
      return { level: b.level, span: span };
    }
    lower = upto;
  }
  return null;
}

/* score.py assess(): levels (the highest wins), then raises, then flags and advice. */
function cseAssess(doc, P) {
  var cache = {};
  var get = function (id) {
    if (!cache.hasOwnProperty(id)) { cache[id] = cseValue(doc, P, id); }
    return cache[id];
  };
  var reasons = [], i, j, r, facts, top = 0, base = 0, total = null;
  for (i = 0; i < P.levels.length; i++) { if (P.levels[i].level > top) { top = P.levels[i].level; } }
  for (i = 0; i < P.rules.length; i++) {
    r = P.rules[i];
    if (r.kind === "total") {
      var members = P.groups[r.of], sum = 0, answered = 0;
      for (j = 0; j < members.length; j++) {
        var n = cseNumber(get(members[j]));
        if (n !== null) { sum += n; answered++; }
      }
      var band = cseBand(r, sum);
      facts = { total: sum, answered: answered, count_of: members.length, band: band.span };
      reasons.push({ level: band.level, text: cseFill(r.reason, cseMerge(facts, { level_label: cseLevelLabel(P, band.level) })) });
    } else if (typeof r.level !== "undefined") {
      facts = cseHolds(r, P, get, null);
      if (facts !== null) {
        reasons.push({ level: r.level, text: cseFill(r.reason || "", cseMerge(facts, { level_label: cseLevelLabel(P, r.level) })) });
      }
    }
  }
  for (i = 0; i < reasons.length; i++) { if (reasons[i].level > base) { base = reasons[i].level; } }
  var level = base;
  for (i = 0; i < P.rules.length; i++) {
    r = P.rules[i];
    if (r.kind !== "total" && typeof r["raise"] !== "undefined") {
      facts = cseHolds(r, P, get, base);
      var raised = Math.min(top, base + r["raise"]);
      if (facts !== null && raised > base) {
        if (raised > level) { level = raised; }
        reasons.push({ level: raised, text: cseFill(r.reason || "", cseMerge(facts, { level_label: cseLevelLabel(P, raised) })) });
      }
    }
  }
  var flags = [], advice = [];
  for (i = 0; i < P.rules.length; i++) {
    r = P.rules[i];
    if (r.kind === "total" || (typeof r.flag === "undefined" && typeof r.advice === "undefined")) { continue; }
    facts = cseHolds(r, P, get, base);
    if (facts !== null) {
      var text = cseFill(typeof r.flag !== "undefined" ? r.flag : r.advice, cseMerge(facts, { level_label: cseLevelLabel(P, level) }));
      if (typeof r.flag !== "undefined") { flags.push(text); } else { advice.push(text); }
    }
  }
  if (P.total !== null) {
    total = 0;
    for (j = 0; j < P.groups[P.total].length; j++) {
      var t = cseNumber(get(P.groups[P.total][j]));
      if (t !== null) { total += t; }
    }
  }
  var unanswered = 0;
  for (i = 0; i < P.unanswered.length; i++) { if (get(P.unanswered[i]) === null) { unanswered++; } }
  var why = [];
  for (i = 0; i < reasons.length; i++) { if (reasons[i].level === level) { why.push(reasons[i].text); } }
  return { level: level, label: cseLevelLabel(P, level), total: total, why: why, flags: flags, advice: advice,
           unanswered: unanswered, scored: P.unanswered.length };
}

/* What each calculated field shows: the same words cse_pdf/live.py live_outputs() writes. */
function cseShow(doc, P, what) {
  var a = cseAssess(doc, P), i, lines;
  if (what === "total") { return a.total === null ? "" : String(a.total); }
  if (what === "category") { return a.label; }
  if (what === "why") { return a.why.join("\n"); }
  if (what === "unanswered") { return a.unanswered + " of " + a.scored; }
  lines = [];
  for (i = 0; i < a.flags.length; i++) { lines.push(a.flags[i]); }
  for (i = 0; i < a.advice.length; i++) { lines.push("Advice: " + a.advice[i]); }
  return lines.join("\n");
}
