/* Return desk: decode a QR code with the camera (getUserMedia + jsQR) into the code input, then search.
   Without a camera (or without jsQR) the button stays hidden: typing and keyboard-wedge scanners still work. */
(function () {
  "use strict";
  var button = document.getElementById("scan-camera");
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-input");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var status = document.getElementById("scanner-status");
  var stopButton = document.getElementById("scanner-stop");
  if (!button || !form || !input || !box || !video) return;
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || typeof window.jsQR !== "function") return;
  button.hidden = false;

  var stream = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    box.hidden = true;
    button.hidden = false;
  }

  function tick() {
    if (!stream) return;
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        input.value = code.data.trim();
        stop();
        input.focus();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  button.addEventListener("click", function () {
    status.textContent = status.dataset.looking || "";
    box.hidden = false;
    button.hidden = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(tick); })
      .catch(function () {
        stop();
        box.hidden = false;
        status.textContent = status.dataset.failed || "";
        input.focus();
      });
  });
  if (stopButton) stopButton.addEventListener("click", function () { stop(); input.focus(); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape" && stream) { stop(); input.focus(); } });
})();
