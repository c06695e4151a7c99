// Live progress of label generation and print jobs (cases.views_print.batch_progress), polled once a second.
// No inline script (CSP): the page marks what to update with ids and data-role attributes.
(function () {
  "use strict";
  var root = document.getElementById("generation") || document.getElementById("print");
  if (!root) return;
  var url = root.getAttribute("data-progress-url");

  function show(el, visible) { if (el) el.hidden = !visible; }

  function updateGeneration(gen) {
    var box = document.getElementById("generation");
    if (!box) return false;
    if (!gen.generating) { window.location.reload(); return true; }  // the print step appears
    document.getElementById("generation-done").textContent = gen.generated;
    document.getElementById("generation-bar").value = gen.generated;
    show(document.getElementById("generation-no-worker"), gen.waiting_for_worker);
    return true;
  }

  function updateJob(job) {
    var row = document.querySelector('tr[data-job="' + job.id + '"]');
    if (!row) return;
    row.setAttribute("data-state", job.state);
    row.querySelector('[data-role="state"]').textContent = job.state_label;
    var bar = row.querySelector('[data-role="bar"]');
    bar.max = job.total || 1;
    bar.value = job.done;
    row.querySelector('[data-role="count"]').textContent = job.done + " / " + job.total;
    var eta = row.querySelector('[data-role="eta"]');
    eta.textContent = job.eta_seconds === null ? "" : eta.getAttribute("data-template").replace("{s}", job.eta_seconds);
    show(row.querySelector('[data-role="download"]'), job.state === "done");
    var error = row.querySelector('[data-role="error"]');
    error.textContent = job.error;
    show(error, job.state === "failed");
    show(row.querySelector('[data-role="retry"]'), job.state === "failed");
    show(row.querySelector('[data-role="no-worker"]'), job.waiting_for_worker);
  }

  function busy(data) {
    if (data.generation.generating) return true;
    return data.jobs.some(function (job) { return job.state === "queued" || job.state === "running"; });
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        if (updateGeneration(data.generation) && !data.generation.generating) return;
        data.jobs.forEach(updateJob);
        if (busy(data)) window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
