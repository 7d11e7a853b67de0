/*
 * Northwind Threads demo: the store's consent banner (EU opt-in), loaded first and synchronously
 * in <head> so that every tag below it can ask before it runs.
 *
 * The answer lives in the cookie `nw_consent` (`granted` or `denied`, path=/). Without it the
 * banner (#consent-banner) is shown and nothing but Google's consent-mode defaults, GA4's
 * cookieless page_view and Shopify's own analytics may run.
 *
 *   NorthwindConsent.state()          'granted' | 'denied' | null (not answered yet)
 *   NorthwindConsent.whenGranted(fn)  runs fn now if consent is granted; before an answer, queues
 *                                     it until "Accept all" (in call order) and drops it on
 *                                     "Reject all"; with consent denied, never runs it
 *   NorthwindConsent.accept() / .reject()
 *                                     what the banner buttons do: set the cookie, hide the banner,
 *                                     gtag('consent', 'update', …), run (or drop) the queue, then
 *                                     dispatch `northwind:consent` ({detail: {decision}}) on document
 *   NorthwindConsent.mountBanner(el)  called right after the banner markup: shows it when there is
 *                                     no answer yet and wires its buttons
 */
(function (window, document) {
  'use strict';
  if (window.NorthwindConsent) {
    return;
  }

  var COOKIE = 'nw_consent';
  var MAX_AGE = 15552000; // 180 days
  var SIGNALS = ['ad_storage', 'analytics_storage', 'ad_user_data', 'ad_personalization'];

  function readCookie() {
    var match = document.cookie.match(/(?:^|;\s*)nw_consent=([^;]*)/);
    var value = match ? decodeURIComponent(match[1]) : null;
    return value === 'granted' || value === 'denied' ? value : null;
  }

  var state = readCookie();
  var queue = [];
  var banner = null;

  // One failing tag must not keep the others from running; its error still reaches the console.
  function run(fn) {
    try {
      fn();
    } catch (error) {
      setTimeout(function () { throw error; });
    }
  }

  function hideBanner() {
    if (banner) {
      banner.hidden = true;
    }
  }

  function decide(decision) {
    if (state !== null) {
      return false; // answered already (by cookie or on this page)
    }
    state = decision;
    document.cookie = COOKIE + '=' + decision + '; path=/; max-age=' + MAX_AGE + '; SameSite=Lax; Secure';
    hideBanner();
    if (typeof window.gtag === 'function') {
      var update = {};
      SIGNALS.forEach(function (signal) { update[signal] = decision; });
      window.gtag('consent', 'update', update);
    }
    var pending = queue.splice(0);
    if (decision === 'granted') {
      pending.forEach(run);
    }
    document.dispatchEvent(new CustomEvent('northwind:consent', { detail: { decision: decision } }));
    return true;
  }

  window.NorthwindConsent = {
    state: function () {
      return state;
    },
    whenGranted: function (fn) {
      if (state === 'granted') {
        fn();
      } else if (state === null) {
        queue.push(fn);
      }
    },
    accept: function () {
      return decide('granted');
    },
    reject: function () {
      return decide('denied');
    },
    mountBanner: function (element) {
      banner = element;
      if (!banner) {
        return;
      }
      banner.hidden = state !== null;
      var accept = banner.querySelector('#consent-accept');
      var reject = banner.querySelector('#consent-reject');
      if (accept) {
        accept.addEventListener('click', function () { window.NorthwindConsent.accept(); });
      }
      if (reject) {
        reject.addEventListener('click', function () { window.NorthwindConsent.reject(); });
      }
    }
  };
})(window, document);
