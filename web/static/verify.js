// Runs the verification batch by batch so the progress bar shows how far it has got.
(function () {
  const form = document.getElementById("verify-form");
  if (!form || !window.fetch) return;
  const progress = document.getElementById("verify-progress");
  const bar = document.getElementById("verify-bar");
  const count = document.getElementById("verify-count");
  const status = document.getElementById("verify-status");
  const table = document.getElementById("verify-problems");
  const body = table.querySelector("tbody");

  function cell(row, text, href) {
    const td = row.insertCell();
    if (href) {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      td.appendChild(link);
    } else {
      td.textContent = text;
    }
  }

  function show(problem) {
    const row = body.insertRow();
    // the page names the history link (url_for), for a project numbered 999999999
    const history = form.dataset.historyUrl.replace("999999999", String(problem.instance_id));
    if (problem.instance_id) cell(row, "Project " + problem.instance_id, history);
    else cell(row, "System chain");
    cell(row, String(problem.seq));
    cell(row, problem.check === "chain" ? "Hash chain" : "Re-run");
    cell(row, problem.reason);
    table.hidden = false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    body.replaceChildren();
    table.hidden = true;
    progress.hidden = false;
    status.textContent = "Checking…";
    const started = performance.now();
    let offset = 0, total = null, problems = 0, chains = 0;
    try {
      do {
        const response = await fetch(form.dataset.batchUrl + "?offset=" + offset, {headers: {Accept: "application/json"}});
        if (!response.ok) throw new Error("the server answered " + response.status);
        const report = await response.json();
        total = report.instances_total;
        offset += report.instances_checked;
        chains += report.chains_checked;
        report.problems.forEach(show);
        problems += report.problems.length;
        bar.max = Math.max(total, 1);
        bar.value = offset;
        count.textContent = offset + " of " + total;
        if (report.instances_checked === 0) break;
      } while (offset < total);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      status.textContent = problems
        ? "The record has " + problems + " problem" + (problems === 1 ? "" : "s") + " (" + offset + " projects and " + chains + " chains checked in " + seconds + " s)."
        : "The record is intact: " + offset + " projects re-run and " + chains + " hash chains checked in " + seconds + " s, no problem.";
    } catch (error) {
      status.textContent = "The verification stopped: " + error.message + ". Nothing was changed; try again.";
    } finally {
      button.disabled = false;
    }
  });
})();
