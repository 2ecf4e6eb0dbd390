// Offline set-up for the ipywidgets HTML manager, loaded after require.js and before embed-amd.js.
(function () {
  // The manager finds its fonts next to its AMD module, which RequireJS would look for beside the
  // page (notebooks/@jupyter-widgets/...): point the module names at the local copy in _static.
  var root = new URL(document.documentElement.dataset.content_root || "./", document.baseURI).href;
  var vendor = root + "_static/vendor/html-manager";
  require.config({paths: {
    "@jupyter-widgets/html-manager/dist": vendor,
    "@jupyter-widgets/html-manager": vendor + "/embed-amd"
  }});
  // @jupyter-widgets/base typesets widget labels with MathJax 2's API (MathJax.Hub.Queue); this site
  // loads MathJax 3, so give it that one call before the widgets render (on "load").
  window.addEventListener("load", function () {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = {Queue: function () { if (mj.typesetPromise) { mj.typesetPromise(); } }};
    }
  });
})();
