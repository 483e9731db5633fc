// Progressive enhancement only: every page works without this file. It installs the service worker that keeps
// the last pages for reading offline (see sw.js).
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* offline copies are a nicety */ });
  });
}
