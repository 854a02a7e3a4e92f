/**
 * The operator console's page and style sheet, embedded in the compiled JavaScript so that they
 * ship wherever dist/relayer/src/ goes (npm package, the e2e tests' own tsc build) with no copy
 * step and no CDN. The script is ./script.ts. Nothing here holds data: the page fills itself from
 * /console/state, so the Content-Security-Policy can forbid every inline script and style.
 */

export const CONSOLE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sidechain relayer console</title>
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>sidechain relayer <span class="muted">console</span></h1>
  <span id="overall" class="pill pill-unknown" data-status="loading">loading…</span>
  <span id="updated" class="muted"></span>
  <span class="spacer"></span>
  <span id="uptime" class="muted"></span>
</header>
<div id="banner" class="banner" hidden></div>
<main>
  <section id="lookup" class="card">
    <h2>Find a message</h2>
    <form id="lookup-form" class="lookup-form" autocomplete="off">
      <input id="lookup-q" name="q" spellcheck="false" placeholder="message id or source transaction hash (0x + 64 hex digits)" aria-label="message id or source transaction hash">
      <button type="submit">Look up</button>
    </form>
    <div id="lookup-result"></div>
  </section>
  <div id="lanes" class="lanes"></div>
  <section class="card">
    <h2>Challenges seen</h2>
    <div id="challenges"></div>
  </section>
  <section class="card">
    <h2>Messages <span class="muted small">not relayed yet, then the last relayed</span></h2>
    <div id="messages"></div>
  </section>
  <div class="two">
    <section class="card">
      <h2>Signers</h2>
      <div id="signers"></div>
    </section>
    <section class="card">
      <h2>This relayer</h2>
      <div id="relayer"></div>
    </section>
  </div>
</main>
<footer class="muted small">Read-only. Polls <code>/console/state</code> every 2 s; countdowns run on the destination chain's clock. What to do about each warning: docs/operations.md.</footer>
</body>
</html>
`;

export const CONSOLE_CSS = String.raw`
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #1d2330; --muted: #667085; --line: #e2e5ea;
  --ok: #137a3f; --ok-bg: #e3f5ea; --warn: #8a5a00; --warn-bg: #fff1d1; --bad: #b42318; --bad-bg: #fde7e4;
  --info: #1d4ed8; --info-bg: #e5edff; --idle: #475467; --idle-bg: #eef0f3;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  font-size: 14px; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.top { display: flex; align-items: center; gap: 12px; padding: 10px 20px; background: #151b28; color: #fff; position: sticky; top: 0; z-index: 2; }
.top h1 { font-size: 17px; margin: 0; font-weight: 650; }
.top .muted { color: #aab3c5; }
.spacer { flex: 1; }
main { padding: 14px 20px; display: flex; flex-direction: column; gap: 14px; }
footer { padding: 4px 20px 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
.card h2 { font-size: 15px; margin: 0 0 10px; }
.card h3 { font-size: 13px; margin: 12px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.lanes, .two { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 14px; }
.muted { color: var(--muted); }
.small { font-size: 12px; font-weight: normal; }
.banner { margin: 12px 20px 0; padding: 10px 14px; border-radius: 8px; border: 1px solid; }
.banner.bad { background: var(--bad-bg); border-color: #f5b5ab; color: var(--bad); }
.banner.warn { background: var(--warn-bg); border-color: #f2d18a; color: var(--warn); }
.banner ul { margin: 4px 0 0; padding-left: 18px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.pill-ok { background: var(--ok-bg); color: var(--ok); }
.pill-warn { background: var(--warn-bg); color: var(--warn); }
.pill-bad { background: var(--bad-bg); color: var(--bad); }
.pill-info { background: var(--info-bg); color: var(--info); }
.pill-idle, .pill-unknown { background: var(--idle-bg); color: var(--idle); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin-bottom: 6px; }
.stat { background: var(--bg); border-radius: 6px; padding: 6px 8px; }
.stat .label { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat .value.bad { color: var(--bad); }
.stat .value.warn { color: var(--warn); }
.lane-head { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.lane-head h2 { margin: 0; }
.reason { color: var(--bad); margin: 2px 0; }
.warning { color: var(--warn); margin: 2px 0; }
.mark { display: inline-block; width: 18px; text-align: center; font-weight: 700; }
.mark.yes { color: var(--ok); }
.mark.no { color: var(--bad); }
.mark.forged { color: var(--bad); }
.mark.absent { color: #98a2b3; }
.err { color: var(--bad); max-width: 420px; overflow-wrap: anywhere; }
.empty { color: var(--muted); font-style: italic; padding: 4px 0; }
.lookup-form { display: flex; gap: 8px; }
.lookup-form input { flex: 1; font: inherit; font-family: ui-monospace, "DejaVu Sans Mono", monospace; padding: 6px 8px; border: 1px solid #c6cbd3; border-radius: 6px; }
.lookup-form button { font: inherit; padding: 6px 14px; border: 0; border-radius: 6px; background: #1d4ed8; color: #fff; cursor: pointer; }
.match { margin-top: 10px; padding: 8px 10px; border-left: 3px solid var(--info); background: var(--bg); border-radius: 0 6px 6px 0; }
.match p { margin: 4px 0; }
a { color: var(--info); }
`;
