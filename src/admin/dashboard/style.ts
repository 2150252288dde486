// The dashboard's style: dark, so the live colour's banner is the brightest thing in the room.

export const STYLE = `:root {
  --bg: #0d1117; --panel: #161b22; --line: #30363d; --text: #e6edf3; --muted: #8b949e;
  --blue: #1f6feb; --blue-line: #58a6ff; --green: #1a7f37; --green-line: #3fb950;
  --bad: #f85149; --warn: #d29922; --unknown: #6e7681;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }
button { font: inherit; }
a { color: var(--blue-line); }

.banner { display: grid; grid-template-columns: auto 1fr auto; gap: 2rem; align-items: center; padding: 1.2rem 2rem; min-height: 190px;
  background: var(--unknown); color: #fff; }
.banner[data-active="blue"] { background: var(--blue); }
.banner[data-active="green"] { background: var(--green); }
.banner[data-connected="false"] { background: repeating-linear-gradient(135deg, #484f58 0 24px, #3b424a 24px 48px); }
/* What is below the banner is as old as the last word from switchyard: shown dimmed. */
.banner[data-connected="false"] ~ main { opacity: .5; }
.banner .label { font-size: 1.1rem; font-weight: 700; letter-spacing: .3em; text-transform: uppercase; opacity: .85; }
.banner .active { font-size: clamp(4rem, 10vw, 8.5rem); font-weight: 900; line-height: .95; text-transform: uppercase; letter-spacing: .02em; }
.banner .phase { font-size: clamp(1.4rem, 2.6vw, 2.2rem); font-weight: 700; }
.banner .meta { margin-top: .4rem; font-size: 1.05rem; opacity: .9; }
.bake { margin-top: .5rem; height: 12px; max-width: 520px; border-radius: 6px; background: rgba(255,255,255,.25); overflow: hidden; }
.bake-bar { height: 100%; width: 0; background: #fff; transition: width .9s linear; }
.actions { display: flex; flex-direction: column; gap: .7rem; }
.actions button { min-width: 13rem; padding: .75rem 1.2rem; border: 2px solid #fff; border-radius: 8px; background: rgba(0,0,0,.25); color: #fff;
  font-size: 1.1rem; font-weight: 700; cursor: pointer; }
.actions button:hover:not(:disabled) { background: rgba(0,0,0,.45); }
.actions button:disabled { opacity: .45; cursor: not-allowed; }

.alert { margin: 0; padding: .7rem 2rem; background: #5a1e1e; color: #ffdcd7; font-size: 1.1rem; font-weight: 600; border-bottom: 1px solid var(--bad); }

main { padding: 1rem 2rem; display: grid; gap: 1rem; }
h2 { margin: 0; font-size: 1.05rem; text-transform: uppercase; letter-spacing: .08em; }

.cards { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-left: 10px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.card[data-colour="blue"] { border-left-color: var(--blue); }
.card[data-colour="green"] { border-left-color: var(--green); }
.card[data-live="true"] { box-shadow: 0 0 0 2px var(--text) inset; }
.card[data-failed="true"] { border-color: var(--bad); }
.card header { display: flex; align-items: center; gap: .8rem; margin-bottom: .5rem; }
.card h2 { font-size: 1.5rem; }
.card[data-colour="blue"] h2 { color: var(--blue-line); }
.card[data-colour="green"] h2 { color: var(--green-line); }
.role { padding: .1rem .6rem; border-radius: 999px; border: 1px solid var(--line); color: var(--muted); font-weight: 600; text-transform: uppercase; font-size: .8rem; letter-spacing: .06em; }
.card[data-live="true"] .role { background: var(--text); color: var(--bg); border-color: var(--text); }
.card[data-failed="true"] .role { background: var(--bad); color: #fff; border-color: var(--bad); }
.health { margin-left: auto; font-weight: 700; }
.health::before { content: ""; display: inline-block; width: .8em; height: .8em; margin-right: .4em; border-radius: 50%; background: var(--unknown); vertical-align: -.05em; }
.health[data-healthy="true"] { color: var(--green-line); }
.health[data-healthy="true"]::before { background: var(--green-line); }
.health[data-healthy="false"] { color: var(--bad); }
.health[data-healthy="false"]::before { background: var(--bad); }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }

.charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1rem; }
.chart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
.chart figcaption { display: flex; justify-content: space-between; align-items: baseline; gap: .5rem; margin-bottom: .3rem; }
.chart .title { font-weight: 700; text-transform: uppercase; letter-spacing: .06em; font-size: .9rem; }
.chart .now { font-variant-numeric: tabular-nums; font-size: .95rem; }
.chart .now .blue { color: var(--blue-line); font-weight: 700; }
.chart .now .green { color: var(--green-line); font-weight: 700; margin-left: .6rem; }
.chart svg { display: block; width: 100%; height: 190px; }
.chart svg text { fill: var(--muted); font-size: 11px; font-family: inherit; }
.chart svg .grid { stroke: var(--line); stroke-width: 1; }
.chart svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
.chart svg .line.blue { stroke: var(--blue-line); }
.chart svg .line.green { stroke: var(--green-line); }
.chart svg .switch { stroke-width: 1; stroke-dasharray: 3 3; }
.chart svg .switch.blue { stroke: var(--blue-line); }
.chart svg .switch.green { stroke: var(--green-line); }

.history table { width: 100%; border-collapse: collapse; margin-top: .4rem; font-variant-numeric: tabular-nums; }
.history th, .history td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
.history th { color: var(--muted); font-weight: 600; }
.history td.to-blue { color: var(--blue-line); font-weight: 700; }
.history td.to-green { color: var(--green-line); font-weight: 700; }

footer { padding: .5rem 2rem 1.5rem; color: var(--muted); }
#connection[data-connected="true"] { color: var(--green-line); }
#connection[data-connected="false"] { color: var(--warn); }

dialog { border: 1px solid var(--line); border-radius: 10px; background: var(--panel); color: var(--text); padding: 1.3rem 1.5rem; min-width: 24rem; }
dialog::backdrop { background: rgba(0,0,0,.6); }
dialog h2 { font-size: 1.3rem; margin-bottom: .6rem; text-transform: none; letter-spacing: 0; }
dialog label { display: block; margin: .6rem 0; color: var(--muted); }
dialog input { display: block; width: 100%; margin-top: .25rem; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); font: inherit; }
dialog .error { color: var(--bad); font-weight: 600; }
dialog .buttons { display: flex; justify-content: flex-end; gap: .6rem; margin-top: 1rem; }
dialog button { padding: .5rem 1.1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--text); cursor: pointer; }
dialog button[type="submit"] { background: var(--text); color: var(--bg); font-weight: 700; }

@media (max-width: 1000px) {
  .banner { grid-template-columns: 1fr; gap: 1rem; }
  .actions { flex-direction: row; flex-wrap: wrap; }
  .charts, .cards { grid-template-columns: 1fr; }
}
`
