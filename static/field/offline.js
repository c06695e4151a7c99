/* The offline page shell (served by the service worker for a field page it could not fetch): shows what fits
 * the address — "cannot verify" for a label never checked live, else the empty job form for the code. */
(function () {
  "use strict";
  var path = window.location.pathname;
  var label = /^\/q\/([^/]+)\/?$/.exec(path);
  var job = /^\/field\/(install|repair|ignite|sell)\/([^/]+)\/$/.exec(path);

  function fillCode(code) {
    document.querySelectorAll("[data-offline-code]").forEach(function (node) { node.textContent = code; });
  }

  if (label || !job) {
    document.querySelectorAll("[data-offline-job]").forEach(function (other) { other.remove(); });
  }
  if (label) {
    fillCode(decodeURIComponent(label[1]));
    document.getElementById("offline-label").hidden = false;
    return;
  }
  if (!job) {
    document.getElementById("offline-page").hidden = false;
    return;
  }
  var action = job[1];
  var code = decodeURIComponent(job[2]);
  var section = document.querySelector('[data-offline-job~="' + action + '"]');
  // The other forms go: one form per page, so the permit scanner fills the right #id_permit.
  document.querySelectorAll("[data-offline-job]").forEach(function (other) {
    if (other !== section) { other.remove(); }
  });
  var form = section.querySelector("form");
  var title = section.getAttribute("data-title-" + action);
  form.dataset.outbox = form.dataset.outbox.replace("SERIAL", encodeURIComponent(code));
  form.dataset.code = code;
  form.dataset.title = title + " · " + code;
  if (section.hasAttribute("data-kind-" + action)) {
    form.dataset.kind = section.getAttribute("data-kind-" + action);
    form.dataset.done = title;
    section.querySelector("[data-offline-title]").textContent = title;
  }
  fillCode(code);
  section.hidden = false;
})();
