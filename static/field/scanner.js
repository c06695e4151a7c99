/* In-page QR scanner for the field pages (jsQR, vendored). Falls back to typing when there is no camera.
 * data-mode="go":   a label QR (…/q/<serial> on our host) opens data-target with SERIAL replaced, a GS1 Digital
 *                   Link (…/01/<gtin>/21/<serial>) goes through the page's typed-code path; on the plain
 *                   scanner a permit QR (…/p/<number>) opens data-permit-target.
 * data-mode="fill": a permit QR or typed/plain text fills the input named by data-fill.
 * Anything else is named for what it is (a WeChat or Alipay pay code, a link to another site) and not opened.
 * The torch button shows only where the camera has one. window.GLScanner.classify is the parsing, exposed for tests. */
(function () {
  "use strict";
  // Serials are Crockford base32 plus a check symbol that may be one of * ~ $ = U.
  var LABEL_RE = /\/q\/([0-9A-Za-z*~$=%]+)\/?$/;
  var PERMIT_RE = /\/p\/([A-Za-z0-9-]+)\/?$/;
  var BARE_SERIAL_RE = /^[0-9A-Za-z*~$=]{14}$/;
  var DIGITAL_LINK_RE = /^\/01\/\d{8,14}(\/|$)/; // GS1 Digital Link; the server checks the GTIN (cases/digital_link.py)

  function classify(text, hosts) {
    var value = (text || "").trim();
    if (/^wxp:\/\//i.test(value) || /^https?:\/\/(wx\.tenpay\.com|payapp\.weixin\.qq\.com)\//i.test(value)) {
      return { kind: "wechat" };
    }
    if (/^https?:\/\/qr\.alipay\.com\//i.test(value)) { return { kind: "alipay" }; }
    var url = null;
    try { url = new URL(value); } catch (error) { url = null; }
    if (url && (url.protocol === "http:" || url.protocol === "https:")) {
      if (hosts.indexOf(url.host.toLowerCase()) < 0) { return { kind: "elsewhere", host: url.host }; }
      var label = LABEL_RE.exec(url.pathname);
      if (label) { return { kind: "label", code: decodeURIComponent(label[1]) }; }
      var permit = PERMIT_RE.exec(url.pathname);
      if (permit) { return { kind: "permit", code: permit[1].toUpperCase() }; }
      if (DIGITAL_LINK_RE.test(url.pathname)) { return { kind: "digital_link", code: url.pathname }; }
      return { kind: "other" };
    }
    if (url || !value) { return { kind: "other" }; } // another scheme (weixin://, tel:, …)
    if (BARE_SERIAL_RE.test(value)) { return { kind: "label", code: value.toUpperCase() }; }
    return { kind: "text", code: value };
  }

  function hostsOf(box) {
    var hosts = [window.location.host.toLowerCase()];
    (box.dataset.hosts || "").split(/\s+/).forEach(function (host) { if (host) { hosts.push(host); } });
    return hosts;
  }

  function start(box) {
    var video = box.querySelector("video");
    var status = box.querySelector(".scanner-status");
    var torch = box.querySelector("[data-torch]");
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var hosts = hostsOf(box);
    box.hidden = false;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = box.dataset.msgNocam;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.play();
        offerTorch(s.getVideoTracks()[0]);
        requestAnimationFrame(tick);
      })
      .catch(function () { status.textContent = box.dataset.msgNocam; });

    function offerTorch(track) {
      var capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
      if (!torch || !capabilities.torch) { return; }
      var on = false;
      torch.hidden = false;
      torch.addEventListener("click", function () {
        on = !on;
        track.applyConstraints({ advanced: [{ torch: on }] }).catch(function () { on = !on; });
        torch.setAttribute("aria-pressed", String(on));
      });
    }

    function stop() { if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); } }

    function refuse(message) {
      status.textContent = message;
      status.classList.add("error");
      return false;
    }

    function handle(text) {
      var scanned = classify(text, hosts);
      if (scanned.kind === "wechat") { return refuse(box.dataset.msgWechat); }
      if (scanned.kind === "alipay") { return refuse(box.dataset.msgAlipay); }
      if (scanned.kind === "elsewhere") { return refuse(box.dataset.msgElsewhere.replace("HOST", scanned.host)); }
      if (box.dataset.mode === "go") {
        if (scanned.kind === "label") {
          stop();
          window.location.href = box.dataset.target.replace("SERIAL", encodeURIComponent(scanned.code));
          return true;
        }
        if (scanned.kind === "digital_link") {
          // The scanner page's typed-code path resolves it (and checks the GTIN before an action page).
          stop();
          window.location.href = window.location.pathname + "?serial=" + encodeURIComponent(scanned.code);
          return true;
        }
        if (scanned.kind === "permit") {
          if (!box.dataset.permitTarget) { return refuse(box.dataset.msgPermitHere); }
          stop();
          window.location.href = box.dataset.permitTarget.replace("NUMBER", encodeURIComponent(scanned.code));
          return true;
        }
        return refuse(box.dataset.msgOther);
      }
      if (scanned.kind === "label" || scanned.kind === "digital_link") { return refuse(box.dataset.msgLabelHere); }
      if (scanned.kind === "other") { return refuse(box.dataset.msgOther); }
      document.querySelector(box.dataset.fill).value = scanned.code;
      stop();
      box.hidden = true;
      return true;
    }

    function tick() {
      if (video.readyState === video.HAVE_ENOUGH_DATA && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (code && code.data && handle(code.data)) { return; }
      }
      requestAnimationFrame(tick);
    }
  }

  window.GLScanner = { classify: classify };
  document.querySelectorAll("[data-scanner][data-autostart]").forEach(start);
  document.querySelectorAll("[data-scan-start]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.parentNode.querySelector("[data-scanner]");
      if (box) { start(box); }
    });
  });
})();
