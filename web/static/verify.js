// Runs the verification batch by batch so the progress bar shows how far it has got, then says the result
// as the page itself does: a green panel when the record is intact, a warning callout listing problems.
(function () {
  const form = document.getElementById("verify-form");
  if (!form || !window.fetch) return;
  const progress = document.getElementById("verify-progress");
  const bar = document.getElementById("verify-bar");
  const count = document.getElementById("verify-count");
  const status = document.getElementById("verify-status");
  const table = document.getElementById("verify-problems");
  const body = table.querySelector("tbody");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function plural(count, word, words) {
    return count + " " + (count === 1 ? word : words);
  }

  // A cell of the NHS responsive table: its column's heading (shown on narrow screens), then its value.
  function cell(row, heading, text, href, className) {
    const td = element("td", "nhsuk-table__cell" + (className ? " " + className : ""));
    td.setAttribute("role", "cell");
    const label = element("span", "nhsuk-table__heading", heading + " ");
    label.setAttribute("aria-hidden", "true");
    const value = element("span", "app-table__value");
    if (href) {
      const link = element("a", "", text);
      link.href = href;
      value.appendChild(link);
    } else {
      value.textContent = text;
    }
    td.append(label, value);
    row.appendChild(td);
  }

  function show(problem) {
    const row = element("tr", "nhsuk-table__row");
    row.setAttribute("role", "row");
    // the page names the history link (url_for), for a project numbered 999999999
    const history = form.dataset.historyUrl.replace("999999999", String(problem.instance_id));
    if (problem.instance_id) cell(row, "Where", "Project " + problem.instance_id, history);
    else cell(row, "Where", "The system's own record");
    cell(row, "Event", String(problem.seq));
    cell(row, "Check", problem.check === "chain" ? "Hash chain" : "Re-run");
    cell(row, "What is wrong", problem.reason);
    body.appendChild(row);
    table.hidden = false;
  }

  function intact(text) {
    const panel = element("div", "nhsuk-panel");
    panel.append(element("h2", "nhsuk-panel__heading nhsuk-panel__heading--m", "The record is intact"),
                 element("div", "nhsuk-panel__body", text));
    return panel;
  }

  function warning(title, text) {
    const callout = element("div", "nhsuk-warning-callout");
    const heading = element("h2", "nhsuk-warning-callout__label");
    const words = element("span");
    words.setAttribute("role", "text");
    words.append(element("span", "nhsuk-u-visually-hidden", "Important: "), title);
    heading.appendChild(words);
    callout.append(heading, element("p", "", text));
    return callout;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    body.replaceChildren();
    table.hidden = true;
    progress.hidden = false;
    status.replaceChildren(element("p", "", "Checking…"));
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
      const took = "in " + ((performance.now() - started) / 1000).toFixed(1) + " seconds";
      status.replaceChildren(problems
        ? warning("The record has " + plural(problems, "problem", "problems"),
                  plural(offset, "project", "projects") + " and " + plural(chains, "hash chain", "hash chains") +
                  " checked " + took + ". Each problem is listed below with the event where it starts.")
        : intact(plural(offset, "project", "projects") + " re-run and " + plural(chains, "hash chain", "hash chains") +
                 " checked " + took + ": no problem found."));
    } catch (error) {
      status.replaceChildren(warning("The verification stopped",
                                     "Because " + error.message + ". Nothing was changed; try again."));
    } finally {
      button.disabled = false;
    }
  });
})();
