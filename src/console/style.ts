/** The console's one style sheet, served at /console/console.css (the pages allow no inline style: CSP style-src 'self'). */
export const STYLE = `
:root { --ink: #1d2430; --muted: #5b6574; --line: #dde2ea; --bg: #f6f7f9; --card: #fff; --accent: #c7000b;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --off: #6e7781; font-size: 15px; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.45; }
a { color: #0b57d0; text-decoration: none; } a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: var(--card); border-bottom: 3px solid var(--accent); flex-wrap: wrap; }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--ink); }
header.top nav { display: flex; gap: 1rem; flex-wrap: wrap; flex: 1; }
header.top nav a { color: var(--muted); padding: .2rem 0; }
header.top nav a[aria-current="page"] { color: var(--ink); font-weight: 600; border-bottom: 2px solid var(--accent); }
header.top .tools { display: flex; gap: .5rem; }
main { padding: 1.2rem 1.5rem 3rem; max-width: 1400px; }
h1 { font-size: 1.45rem; margin: .2rem 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
p.intro { color: var(--muted); margin: 0 0 1rem; max-width: 60rem; }
section.card, form.filters, .facts { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1rem; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); font-size: .93rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
time { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86rem; word-break: break-all; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; white-space: nowrap; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); } .off { color: var(--off); }
.counts { display: flex; gap: .6rem; flex-wrap: wrap; margin: 0 0 1rem; padding: 0; list-style: none; }
.counts li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .45rem .8rem; min-width: 7rem; }
.counts li strong { display: block; font-size: 1.3rem; }
form.filters { display: flex; gap: .8rem; align-items: flex-end; flex-wrap: wrap; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid #b7bfcc; border-radius: 4px; background: #fff; color: var(--ink); }
button { cursor: pointer; background: #f0f3f7; } button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); }
form.inline { display: inline; margin: 0 .2rem 0 0; }
.notice { padding: .6rem .9rem; border-radius: 6px; margin: 0 0 1rem; border: 1px solid; background: var(--card); }
.notice.done { color: var(--ok); } .notice.refused, .notice.error { color: var(--bad); }
.pager { display: flex; gap: 1rem; align-items: center; margin: .6rem 0; color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.2rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
details summary { cursor: pointer; color: var(--muted); }
details pre { white-space: pre-wrap; word-break: break-all; background: #f3f5f8; padding: .5rem; margin: .3rem 0 0; max-width: 60rem; }
figure.chart { margin: 0 0 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; }
figure.chart figcaption { color: var(--muted); font-size: .85rem; }
svg .bar-sent { fill: #3fb950; } svg .bar-pending { fill: #d4a72c; } svg .bar-rejected { fill: #f85149; } svg .bar-expired { fill: #8c959f; }
svg text { font-size: 11px; fill: var(--muted); } svg line { stroke: var(--line); }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.2rem; } ul.tree { padding-left: 0; }
ul.tree li { margin: .15rem 0; } ul.tree li::before { content: "└ "; color: var(--off); }
.signin { max-width: 26rem; margin: 4rem auto; background: var(--card); border: 1px solid var(--line); border-top: 3px solid var(--accent); border-radius: 6px; padding: 1.5rem; }
.signin label { display: block; margin: 1rem 0 .3rem; } .signin input { width: 100%; } .signin button { margin-top: 1rem; }
.signin .lang { float: right; }
`;
