/* Northwind Threads demo theme script: navigation state and small cart niceties. No tracking here.
 * The header badge (#cart-count) shows the number of items in the cart kept in localStorage
 * (`nw_cart`, written by the product page's "Add to cart"); without it, the markup's 2 stands. */
(function () {
  'use strict';
  document.querySelectorAll('.site-nav a').forEach(function (link) {
    if (link.getAttribute('href') === location.pathname) {
      link.classList.add('active');
      link.setAttribute('aria-current', 'page');
    }
  });
  try {
    var cart = JSON.parse(localStorage.getItem('nw_cart'));
    var badge = document.getElementById('cart-count');
    if (badge && cart && Array.isArray(cart.lines)) {
      badge.textContent = String(cart.lines.reduce(function (sum, line) {
        return sum + (Number(line.quantity) || 0);
      }, 0));
    }
  } catch (error) {
    // no storage, or a broken cart: keep the markup's count
  }
  document.querySelectorAll('[data-qty]').forEach(function (input) {
    input.addEventListener('change', function () {
      if (Number(input.value) < 1) {
        input.value = '1';
      }
    });
  });
})();
