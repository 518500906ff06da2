/*
 * The portal's one stylesheet, served as /portal/app.css (a file of its own: the pages carry no
 * inline styles, so the CSP can stay strict). No framework: a header with the navigation, cards,
 * tables and forms, one column on a phone. Status badges take their colour from the raw state in
 * a data attribute (data-state on a callback, data-status on a leg), so the live script only has
 * to change that attribute and the words.
 */
export const PORTAL_STYLESHEET = `
:root {
  --ink: #1d2433; --muted: #5b6475; --line: #dfe3ea; --bg: #f4f6f9; --card: #fff;
  --brand: #1f5fbf; --brand-dark: #174a96; --ok: #1d7a46; --ok-bg: #e3f4ea; --bad: #b42318; --bad-bg: #fde8e6;
  --live: #8a5a00; --live-bg: #fff3d6; --quiet-bg: #eceff3; --radius: 10px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--brand); }
a:hover { color: var(--brand-dark); }
.site-header { background: var(--card); border-bottom: 1px solid var(--line); }
.site-header .bar { max-width: 1100px; margin: 0 auto; padding: 12px 20px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; }
.brand { font-weight: 700; font-size: 1.15rem; color: var(--ink); text-decoration: none; margin-right: auto; }
.brand span { color: var(--brand); }
.who { color: var(--muted); font-size: .9rem; margin: 0; }
.site-header form { margin: 0; }
.site-nav { max-width: 1100px; margin: 0 auto; padding: 0 12px; }
.site-nav ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 2px; overflow-x: auto; scrollbar-width: thin; }
.site-nav a { display: block; padding: 10px 12px; color: var(--muted); text-decoration: none; white-space: nowrap; border-bottom: 3px solid transparent; }
.site-nav a:hover { color: var(--ink); }
.site-nav a[aria-current="page"] { color: var(--brand); border-bottom-color: var(--brand); font-weight: 600; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 16px; }
h2 { font-size: 1.15rem; margin: 0 0 12px; }
h3 { font-size: 1rem; margin: 16px 0 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 20px; margin: 0 0 20px; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 20px; align-items: start; }
.grid > .card { margin: 0; }
.grid + .card, .grid + section { margin-top: 20px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; margin: 0; }
.figures div { background: var(--bg); border-radius: 8px; padding: 12px; }
.figures dt { color: var(--muted); font-size: .85rem; }
.figures dd { margin: 2px 0 0; font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.table-wrap { overflow-x: auto; }
.facts + .table-wrap { margin-top: 20px; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 8px; color: var(--muted); }
th, td { text-align: left; padding: 9px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #fafbfd; }
td form { margin: 0; }
.badge, [data-state], [data-status] { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: .85rem; font-weight: 600; background: var(--quiet-bg); color: var(--muted); white-space: nowrap; }
[data-state="completed"], [data-status="completed"][data-answered] { background: var(--ok-bg); color: var(--ok); }
[data-state="busy"], [data-state="no_answer"], [data-state="failed"], [data-status="busy"], [data-status="no-answer"], [data-status="failed"] { background: var(--bad-bg); color: var(--bad); }
[data-state="dialing_a"], [data-state="dialing_both"], [data-state="b_answered"], [data-state="a_answered"], [data-state="dialing_b"], [data-state="bridged"], [data-state="receiving_fax"], [data-state="conference"], [data-state="transferred"],
[data-status="dialing"], [data-status="ringing"], [data-status="answered"], [data-status="bridged"] { background: var(--live-bg); color: var(--live); }
[data-state=""], [data-status=""] { display: none; }
form p { margin: 0 0 12px; }
label { font-weight: 600; font-size: .92rem; }
input[type="email"], input[type="password"], input[type="tel"], input[type="text"], input[type="search"], input[type="datetime-local"], input:not([type]), select {
  width: 100%; max-width: 420px; padding: 9px 11px; font: inherit; color: inherit; border: 1px solid #c5ccd8; border-radius: 8px; background: #fff;
}
input:focus, select:focus, button:focus-visible, a:focus-visible { outline: 3px solid rgba(31, 95, 191, .35); outline-offset: 1px; }
fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 12px; padding: 8px 14px 4px; }
legend { font-weight: 600; font-size: .92rem; padding: 0 4px; }
fieldset p { margin: 6px 0; }
fieldset label, .check label { font-weight: 400; margin-left: 6px; }
small, .hint { color: var(--muted); font-size: .85rem; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: 9px 18px; border-radius: 8px; border: 1px solid var(--brand); background: var(--brand); color: #fff; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: var(--brand-dark); color: #fff; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
button.secondary:hover, .button.secondary:hover { background: #eef3fb; color: var(--brand-dark); }
button.danger { background: #fff; color: var(--bad); border-color: #e8b4ae; padding: 5px 12px; font-size: .88rem; }
button.danger:hover { background: var(--bad-bg); }
.alert { padding: 12px 16px; border-radius: 8px; margin: 0 0 16px; }
.alert.error { background: var(--bad-bg); color: var(--bad); border: 1px solid #f3c1bb; }
.alert.notice { background: var(--ok-bg); color: var(--ok); border: 1px solid #b9e2c8; }
.empty { color: var(--muted); margin: 0; }
.search { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 0 0 12px; }
.search p { margin: 0; }
audio { width: 260px; max-width: 100%; height: 36px; vertical-align: middle; }
.login { max-width: 420px; margin: 40px auto; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) {
  main { padding: 16px 12px 32px; }
  .site-header .bar { padding: 10px 12px; }
  .card { padding: 14px; }
  h1 { font-size: 1.35rem; }
  .who { width: 100%; order: 3; }
  .site-nav ul { flex-wrap: wrap; }
  .site-nav a { padding: 6px 9px; font-size: .95rem; }
  .stack thead { display: none; }
  .stack tr { display: block; border-bottom: 1px solid var(--line); padding: 8px 0; }
  .stack td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 4px; text-align: right; }
  .stack td::before { content: attr(data-label); color: var(--muted); font-size: .85rem; text-align: left; }
  .stack td.num { white-space: normal; }
}
`;
