/* Northwind Threads demo theme script: navigation state and small cart niceties. No tracking here. */
(function () {
  'use strict';
  document.querySelectorAll('.site-nav a').forEach(function (link) {
    if (link.getAttribute('href') === location.pathname) {
      link.classList.add('active');
      link.setAttribute('aria-current', 'page');
    }
  });
  document.querySelectorAll('[data-qty]').forEach(function (input) {
    input.addEventListener('change', function () {
      if (Number(input.value) < 1) {
        input.value = '1';
      }
    });
  });
})();
