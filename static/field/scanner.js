/* In-page QR scanner for the field pages (jsQR, vendored). Falls back to typing when there is no camera.
 * data-mode="go":   a label QR (…/q/<serial>) opens data-target with SERIAL replaced.
 * data-mode="fill": a permit QR (…/p/<number>) or any text fills the input named by data-fill. */
(function () {
  "use strict";
  // Serials are Crockford base32 plus a check symbol that may be one of * ~ $ = U.
  var LABEL_RE = /\/q\/([0-9A-Za-z*~$=]+)\/?$/;
  var PERMIT_RE = /\/p\/([A-Za-z0-9-]+)\/?$/;

  function start(box) {
    var video = box.querySelector("video");
    var status = box.querySelector(".scanner-status");
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
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
        requestAnimationFrame(tick);
      })
      .catch(function () { status.textContent = box.dataset.msgNocam; });

    function stop() { if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); } }

    function handle(text) {
      var label = LABEL_RE.exec(text);
      if (box.dataset.mode === "go") {
        if (label) { stop(); window.location.href = box.dataset.target.replace("SERIAL", encodeURIComponent(label[1])); return true; }
        status.textContent = box.dataset.msgOther;
        return false;
      }
      var permit = PERMIT_RE.exec(text);
      var input = document.querySelector(box.dataset.fill);
      input.value = permit ? permit[1] : text;
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

  document.querySelectorAll("[data-scanner][data-autostart]").forEach(start);
  document.querySelectorAll("[data-scan-start]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.parentNode.querySelector("[data-scanner]");
      if (box) { start(box); }
    });
  });
})();
