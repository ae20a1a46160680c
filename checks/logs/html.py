"""The fleet report as one self-contained HTML page for an operations team.

Why a page of its own: the other renderings are for machines and terminals; this one is read
in a browser that may have no network (inline CSS, JS and SVG; no CDN, no font, no fetch).
It shows the verdict counts as an inline SVG bar chart, the deviating, doomed and stuck orders
as a table sorted and filtered by a few lines of vanilla JS, and per order its joint status and
sequence diagram.

Why the diagrams arrive as bytes: drawing needs ``ordercheck.diagrams`` (layer 2), which the
engine (layer 4, this module) must not import; the front end draws and passes the SVGs in.
A diagram is embedded as an ``<img>`` with a ``data:`` URI rather than as inline markup, so a
hostile order id or status inside the drawing cannot run script (images never do), and the
page does not depend on how graphviz escapes labels.

Every value from the log goes through :func:`html.escape`; the script reads data only from
the DOM, never from interpolated strings.  Output is deterministic (no clock, sorted input).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

from .fleet import FleetReport, joint_text
from .judge import BAD, Judgement, Verdict
from .render import age, ranked, when
from .timers import human

COLOURS = {  # one colour per verdict, the bad ones warm
    Verdict.DEVIATING: "#d62728", Verdict.DOOMED: "#9467bd", Verdict.STUCK: "#ff7f0e",
    Verdict.INCOMPLETE: "#7f7f7f", Verdict.CONFORMING: "#2ca02c",
    Verdict.IN_PROGRESS: "#1f77b4",
}

CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th.sort{cursor:pointer;background:#f3f3f3;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num,th.num{text-align:right}
.verdict-deviating{color:#d62728}.verdict-doomed{color:#9467bd}.verdict-stuck{color:#ff7f0e}
details{margin:.5em 0;border:1px solid #ddd;padding:.3em .6em}
details img{max-width:100%;background:#fff}
#filter{font-size:1em;padding:.2em .4em;width:24em}
""".strip()

# Sorting compares data-key (numbers for numeric columns) and filtering matches the row's text;
# both read the DOM only.  A click on "diagram" opens that order's <details>.
SCRIPT = """
(function(){
var table=document.getElementById('orders');if(!table)return;
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var shown=document.getElementById('shown');
function key(row,col,num){var c=row.cells[col],k=c.getAttribute('data-key');
 k=k===null?c.textContent:k;return num?parseFloat(k):k.toLowerCase();}
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
 th.addEventListener('click',function(){
  var asc=th.getAttribute('aria-sort')!=='ascending',num=th.classList.contains('num');
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){
   o.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  rows.sort(function(a,b){var x=key(a,col,num),y=key(b,col,num);
   var c=x<y?-1:x>y?1:0;if(c===0){c=a.cells[0].textContent<b.cells[0].textContent?-1:1;}
   return asc?c:-c;});
  rows.forEach(function(r){body.appendChild(r);});});});
document.getElementById('filter').addEventListener('input',function(ev){
 var q=ev.target.value.toLowerCase(),n=0;
 rows.forEach(function(r){var hit=r.textContent.toLowerCase().indexOf(q)>=0;
  r.hidden=!hit;if(hit)n++;});
 shown.textContent=String(n);});
function open(){var id=decodeURIComponent(location.hash.slice(1)),d=document.getElementById(id);
 if(d&&d.tagName==='DETAILS'){d.open=true;d.scrollIntoView();}}
window.addEventListener('hashchange',open);open();
})();
""".strip()


def _chart(r: FleetReport) -> str:
    """Verdict counts as horizontal bars (inline SVG, widths relative to the largest)."""
    top = max([r.verdicts[v] for v in Verdict] + [1])
    bar_h, gap, label_w, bar_w = 22, 6, 110, 360
    height = len(Verdict) * (bar_h + gap) + gap
    out = [f'<svg id="verdict-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'aria-label="orders per verdict" width="{label_w + bar_w + 90}" '
           f'height="{height}">']
    for i, v in enumerate(Verdict):
        n = r.verdicts[v]
        y = gap + i * (bar_h + gap)
        w = round(bar_w * n / top, 1)
        out.append(f'<g data-verdict="{v.value}">'
                   f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" '
                   f'font-size="13">{v.value}</text>'
                   f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" '
                   f'fill="{COLOURS[v]}"/>'
                   f'<text class="count" x="{label_w + w + 6}" y="{y + 16}" '
                   f'font-size="13">{n}</text></g>')
    out.append("</svg>")
    return "".join(out)


def anchor(index: int) -> str:
    """The id of an order's <details>: by position, since order ids are untrusted data."""
    return f"order-{index}"


def _row(r: FleetReport, j: Judgement, index: int, parties: tuple[str, ...],
         has_diagram: bool) -> str:
    seconds = age(r, j)
    link = (f'<a class="show" href="#{anchor(index)}">diagram</a>' if has_diagram else "-")
    cells = [
        f"<td>{escape(j.order)}</td>",
        f'<td class="verdict-{j.verdict.value}">{j.verdict.value}</td>',
        f"<td>{escape(j.kind.value) if j.kind else ''}</td>",
        f'<td class="num" data-key="{seconds:.3f}">{escape(human(seconds))}</td>',
        f"<td>{escape(joint_text(j.joint, parties))}</td>",
        f"<td>{escape(j.reason)}</td>",
        f"<td>{link}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _details(r: FleetReport, j: Judgement, index: int, parties: tuple[str, ...],
             svg: bytes, trace: str | None) -> str:
    data = base64.b64encode(svg).decode("ascii")
    where = (f'<p>trace: <a href="{escape(trace)}">{escape(trace)}</a></p>' if trace else "")
    return (f'<details id="{anchor(index)}"><summary>{escape(j.order)} '
            f"({j.verdict.value})</summary>"
            f"<p>joint status: <b>{escape(joint_text(j.joint, parties))}</b></p>"
            f"<p>{escape(j.reason)}</p>{where}"
            f'<img alt="sequence diagram of {escape(j.order)}" '
            f'src="data:image/svg+xml;base64,{data}"></details>')


def to_html(r: FleetReport, parties: tuple[str, ...], diagrams: Mapping[str, bytes],
            traces: Mapping[str, str] | None = None, note: str = "") -> str:
    """The page.  ``diagrams``: order id -> SVG bytes (orders without one get no diagram);
    ``traces``: order id -> trace file relative to the page; ``note`` says why some order has
    no diagram (shown once, escaped)."""
    traces = traces or {}
    led = r.ledger
    bad = [j for j in r.bad if j.verdict in BAD]
    title = f"ordercheck logs: {r.model}"
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f"img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>")
    balanced = "balanced" if led.balanced() else "NOT BALANCED"
    parts = [head, f"<h1>{escape(title)}</h1>",
             f'<p>now {escape(when(r.now))} · <span id="orders-total">{r.orders}</span> '
             f"orders · {led.records} records ({balanced})</p>",
             "<h2>Verdicts</h2>", _chart(r)]
    if r.joint:
        parts.append("<h2>Current joint status</h2><table><thead><tr><th>joint status</th>"
                     '<th class="num">orders</th></tr></thead><tbody>')
        parts += [f'<tr><td>{escape(k)}</td><td class="num">{n}</td></tr>'
                  for k, n in ranked(r.joint)]
        parts.append("</tbody></table>")
    parts.append(f"<h2>Deviating, doomed and stuck orders ({len(bad)})</h2>")
    parts.append('<p><input id="filter" type="search" placeholder="filter: any text" '
                 f'aria-label="filter orders"> <span id="shown">{len(bad)}</span> of '
                 f"{len(bad)} shown</p>")
    heads = [("order", ""), ("verdict", ""), ("kind", ""), ("age", "num"),
             ("joint status", ""), ("reason", ""), ("diagram", "")]
    parts.append('<table id="orders"><thead><tr>' + "".join(
        f'<th class="{("sort " + cls).strip()}">{name}</th>' for name, cls in heads)
        + "</tr></thead><tbody>")
    parts += [_row(r, j, i, parties, j.order in diagrams) for i, j in enumerate(bad)]
    parts.append("</tbody></table>")
    parts.append("<h2>Sequence diagrams</h2>")
    if note:
        parts.append(f"<p>{escape(note)}</p>")
    parts += [_details(r, j, i, parties, diagrams[j.order], traces.get(j.order))
              for i, j in enumerate(bad) if j.order in diagrams]
    parts.append(f"<script>{SCRIPT}</script></body></html>\n")
    return "".join(parts)
