// The dashboard's HTML: a skeleton that /dashboard/app.js fills from /admin/events.

export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<path d="M16 2a14 14 0 0 0 0 28z" fill="#1f6feb"/><path d="M16 2a14 14 0 0 1 0 28z" fill="#1a7f37"/>
</svg>
`

function card (colour: 'blue' | 'green'): string {
  return `<article class="card" id="card-${colour}" data-colour="${colour}">
      <header><h2>${colour}</h2><span class="role" data-field="role">…</span><span class="health" data-field="health" data-healthy="unknown">unknown</span></header>
      <dl>
        <dt>upstream</dt><dd data-field="url">…</dd>
        <dt>in flight</dt><dd data-field="inflight">…</dd>
        <dt>probe</dt><dd data-field="probe">…</dd>
        <dt>guard window</dt><dd data-field="window">…</dd>
      </dl>
    </article>`
}

function chart (id: string, title: string): string {
  return `<figure class="chart" id="chart-${id}">
      <figcaption><span class="title">${title}</span><span class="now" data-field="now"></span></figcaption>
      <svg role="img" aria-label="${title}, blue and green, last five minutes"></svg>
    </figure>`
}

export function page (options: { tokenRequired: boolean }): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>switchyard</title>
  <link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/dashboard/style.css">
  <script src="/dashboard/app.js" defer></script>
</head>
<body data-token-required="${String(options.tokenRequired)}">
  <header id="banner" class="banner" data-active="none" data-connected="false">
    <div class="live">
      <div class="label" id="live-label">live</div>
      <div id="active" class="active">…</div>
    </div>
    <div class="state">
      <div id="phase" class="phase">connecting…</div>
      <div class="bake" id="bake" hidden><div id="bake-bar" class="bake-bar"></div></div>
      <div id="meta" class="meta"></div>
    </div>
    <div class="actions">
      <button type="button" id="switch" disabled>Switch</button>
      <button type="button" id="rollback" disabled>Roll back</button>
    </div>
  </header>
  <div id="alert" class="alert" hidden></div>
  <main>
    <section class="cards">
    ${card('blue')}
    ${card('green')}
    </section>
    <section class="charts">
    ${chart('rps', 'Requests / s')}
    ${chart('errors', 'Error rate')}
    ${chart('p99', 'p99 latency')}
    </section>
    <section class="history">
      <h2>History</h2>
      <table>
        <thead><tr><th>version</th><th>at</th><th>change</th><th>by</th><th>reason</th></tr></thead>
        <tbody id="history"></tbody>
      </table>
    </section>
  </main>
  <footer><span id="connection">connecting…</span> · <a href="/metrics">/metrics</a> · <a href="/admin/status">/admin/status</a> · <a href="/admin/history">/admin/history</a></footer>
  <dialog id="confirm">
    <form method="dialog" id="confirm-form">
      <h2 id="confirm-title">Switch</h2>
      <p id="confirm-text"></p>
      <label>reason <input type="text" id="confirm-reason" maxlength="200" autocomplete="off"></label>
      <label id="token-label" hidden>admin token <input type="password" id="confirm-token" autocomplete="off"></label>
      <p id="confirm-error" class="error" role="alert" hidden></p>
      <div class="buttons">
        <button type="button" id="confirm-cancel">Cancel</button>
        <button type="submit" id="confirm-go" value="go">Confirm</button>
      </div>
    </form>
  </dialog>
</body>
</html>
`
}
