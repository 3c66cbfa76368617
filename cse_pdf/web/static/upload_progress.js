// The upload progress page, kept up to date without a timed refresh of the whole page (WCAG 2.2.1; axe's
// meta-refresh rule): while ingest runs, the same page is fetched in the background every 2 seconds and only
// the progress bar and its count move; once ingest has finished, the page is loaded once more to show the
// closing tables. Without JavaScript the page's own link does the same by hand.
(function () {
  'use strict';
  var bar = document.getElementById('progress');
  var count = document.getElementById('progress-count');
  if (!bar || !document.querySelector('[data-upload-running]')) return;

  function poll() {
    fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        if (!page.querySelector('[data-upload-running]')) {
          window.location.reload();
          return;
        }
        var freshBar = page.getElementById('progress');
        var freshCount = page.getElementById('progress-count');
        if (freshBar) bar.value = freshBar.value;
        if (freshCount && count) count.textContent = freshCount.textContent;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
