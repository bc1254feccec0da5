/** The console's only assets, served by the app itself (operators run it on closed networks; no CDN). */
export const CONSOLE_CSS = `
:root{--bg:#f6f7f9;--panel:#fff;--ink:#17202a;--muted:#5b6673;--line:#d9dee4;--accent:#1f5fbf;--ok:#1b7a3d;--okbg:#e4f4ea;--warn:#8a5a00;--warnbg:#fdf1d8;--bad:#a61b1b;--badbg:#fbe4e4;--info:#1f5fbf;--infobg:#e5eefb;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0}
code,.money,.num,time{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #f0b400;outline-offset:1px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{display:flex;align-items:center;gap:18px;padding:8px 20px;background:#17202a;color:#fff;flex-wrap:wrap}
.top a{color:#fff;text-decoration:none}.brand{font-weight:700;letter-spacing:.2px}.brand span{font-weight:400;color:#9fb3c8}
.top nav ul{display:flex;gap:4px;list-style:none;margin:0;padding:0}
.top nav a{padding:6px 10px;border-radius:4px;color:#cfd8e3}.top nav a:hover{background:#26323f}.top nav a[aria-current=page]{background:#2f4257;color:#fff}
.search{display:flex;gap:6px;margin-left:auto}.search input{width:300px}
.logout button{background:transparent;color:#cfd8e3;border-color:#3b4a5a}
main{max-width:1280px;margin:0 auto;padding:18px 20px 60px}main:focus{outline:none}
h1{font-size:20px;margin:4px 0 14px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}h2{font-size:15px;margin:26px 0 8px}
.count{font-size:12px;font-weight:400;color:var(--muted)}.muted{color:var(--muted)}
section{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:0 0 14px;overflow-x:auto}section>h2:first-child{margin-top:0}
section.head{padding:14px 16px}tbody th{font-size:13px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;background:var(--panel)}
caption{text-align:left;padding:4px 0 6px;color:var(--muted);font-size:12.5px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:11.5px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600;background:#fafbfc}
tfoot th,tfoot td{font-weight:600;border-bottom:0;font-size:12.5px}table.attributes{width:auto;min-width:460px}table.attributes td{padding-left:24px}
.num{text-align:right;white-space:nowrap}td.source{color:var(--muted);font-size:12px;max-width:260px;overflow-wrap:anywhere}td.error{color:var(--bad);max-width:320px;font-size:12.5px;overflow-wrap:anywhere}td code{overflow-wrap:anywhere}
.journal{border:1px solid var(--line);margin-bottom:14px}.journal caption{padding-left:6px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid transparent;white-space:nowrap}
.badge.ok{color:var(--ok);background:var(--okbg)}.badge.warn{color:var(--warn);background:var(--warnbg)}.badge.bad{color:var(--bad);background:var(--badbg)}.badge.info{color:var(--info);background:var(--infobg)}.badge.muted{color:var(--muted);background:#eef0f3}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px 16px;margin:0 0 10px}.facts dt{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px}.facts dd{margin:2px 0 0}
.chip{display:inline-block;background:#eef0f3;border-radius:3px;padding:0 6px;margin:0 4px 2px 0}
.empty{color:var(--muted);font-style:italic;margin:4px 0}
.notice{padding:8px 12px;border-radius:4px;margin:0 0 12px;border:1px solid}.notice.ok{background:var(--okbg);border-color:#b5dfc3}.notice.warn{background:var(--warnbg);border-color:#efd49a}.notice.bad{background:var(--badbg);border-color:#efb7b7}.notice.info{background:var(--infobg);border-color:#bcd0f0}
input,select,button{font:inherit;padding:5px 8px;border:1px solid #b9c2cc;border-radius:4px;background:#fff;color:var(--ink)}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer;font-weight:600}button.danger{background:var(--bad);border-color:var(--bad)}button.quiet{font-weight:400}
td.actions{white-space:nowrap}td.actions form{display:inline-block;margin:0 4px 4px 0}td.actions button{padding:3px 8px;font-size:12.5px}
.inline-form,.filters{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:10px 0}.filters label,.inline-form label{font-size:12.5px;color:var(--muted)}
.login,.confirm{max-width:440px;margin:60px auto}.login form{display:grid;gap:8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px;background:transparent;border:0;padding:0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 14px}.card .label{font-size:11.5px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted)}.card .figure{font:600 24px/1.3 ui-monospace,Menlo,Consolas,monospace}.card .note{font-size:12px;color:var(--muted)}
.chart-box svg{width:100%;height:160px;background:#fbfcfd;border:1px solid var(--line);border-radius:4px}
.axis{stroke:#9aa5b1}.grid{stroke:#e3e7eb;stroke-dasharray:4 4}.series{fill:none;stroke-width:2;vector-effect:non-scaling-stroke}.series.accepted{stroke:#1f5fbf}.series.processed{stroke:#1b7a3d}.series.dead{stroke:#a61b1b}.chart-head{display:flex;justify-content:space-between;font:12px ui-monospace,monospace;color:var(--muted)}
.legend{font-size:12px;color:var(--muted)}.key{display:inline-block;width:14px;height:3px;vertical-align:middle;margin:0 4px 0 12px}.key.accepted{background:#1f5fbf}.key.processed{background:#1b7a3d}.key.dead{background:#a61b1b}
.route{border-top:1px solid var(--line);padding:8px 0}.route table{width:auto;min-width:560px}.route h3{font-size:14px;margin:0 0 4px}.method{display:inline-block;min-width:62px;font:700 12px ui-monospace,monospace}
pre{background:#f3f5f7;border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;font-size:12px}
`;

/** Polls /console/pipeline.json every 2 s while the overview is open; draws rates into the inline SVG. */
export const CONSOLE_JS = `"use strict";
(function () {
  var chart = document.getElementById("rates-chart");
  if (!chart) return;
  var history = [], previous = null, LENGTH = 60;
  function set(name, text) { var node = document.querySelector('[data-figure="' + name + '"]'); if (node) node.textContent = text; }
  function ms(v) { return v === null ? "—" : "\\u2264 " + v + " ms"; }
  function draw() {
    var max = 1;
    history.forEach(function (p) { max = Math.max(max, p.accepted, p.processed, p.dead_lettered); });
    ["accepted", "processed", "dead_lettered"].forEach(function (series) {
      var points = history.map(function (p, i) { return (600 - (history.length - 1 - i) * 600 / (LENGTH - 1)).toFixed(1) + "," + (139 - p[series] / max * 130).toFixed(1); });
      chart.querySelector('[data-series="' + series + '"]').setAttribute("points", points.join(" "));
    });
    set("chart_max", "max " + max.toFixed(1) + " /s");
  }
  function tick() {
    fetch("/console/pipeline.json", { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (f) {
        set("observed_at", "as of " + new Date(f.observed_at_ms).toISOString() + " (live)");
        set("processing_backlog", f.processing_backlog === null ? "not reported" : String(f.processing_backlog));
        set("outbox_backlog_entries", f.outbox_backlog_entries === null ? "not reported" : String(f.outbox_backlog_entries));
        set("postgres_p99", ms(f.accepted_to_postgres_ms.p99));
        set("postgres_p50", "p50 " + ms(f.accepted_to_postgres_ms.p50) + " \\u00b7 " + f.accepted_to_postgres_ms.count + " events");
        set("accepted", f.totals.accepted + " accepted");
        set("processed", f.totals.processed + " applied");
        set("dead_lettered", f.totals.dead_lettered + " dead-lettered");
        if (previous) {
          var seconds = Math.max(0.001, (f.observed_at_ms - previous.observed_at_ms) / 1000);
          var rate = function (k) { return Math.max(0, (f.totals[k] - previous.totals[k]) / seconds); };
          var point = { accepted: rate("accepted") + rate("kafka_records"), processed: rate("processed"), dead_lettered: rate("dead_lettered") };
          set("rate_accepted", point.accepted.toFixed(1));
          set("rate_processed", point.processed.toFixed(1));
          set("rate_dead_lettered", point.dead_lettered.toFixed(1));
          history.push(point);
          if (history.length > LENGTH) history.shift();
          draw();
        }
        previous = f;
      })
      .catch(function (error) { set("observed_at", "refresh failed: " + error.message); });
  }
  tick();
  setInterval(tick, 2000);
})();
`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#17202a"/><path d="M3 11h10M3 8h7M3 5h4" stroke="#9fb3c8" stroke-width="2"/></svg>`;
