/*
 * pixelaudit demo stand-in for the Pinterest tag (served as s.pinimg.com/ct/core.js).
 *
 * Not Pinterest's code: a small readable library behind the `pintrk` API of the base code
 * (`load`, `page`, `track`, `set`, `setconsent`). Each call sends an image request
 *   GET https://ct.pinterest.com/v3/?tid=<tag id>&event=<init|pagevisit|checkout|…>
 *       &ed=<event data JSON>&ad=<page/browser JSON>&pd=<partner data JSON>&cb=<ms>
 * `load` sends `event=init`; `page` sends `event=pagevisit`.
 *
 * Page URL (`ad.loc`): `location.href`, except inside a Shopify web-pixel sandbox, whose wrapper
 * passes the storefront page from the event context as `window.__shopifyPageContext`
 * ({url, referrer}) so that hits name the real page, not the sandbox document.
 */
(function (window, document) {
  'use strict';
  var stub = window.pintrk;
  if (!stub || stub.pixelauditLoaded) {
    return;
  }

  var ENDPOINT = 'https://ct.pinterest.com/v3/';
  var tags = [];
  var partnerData = {};
  var consented = true;

  function query(pairs) {
    return pairs.map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(p[1]);
    }).join('&');
  }

  function pageContext() {
    var shopify = window.__shopifyPageContext;
    return shopify ? { loc: shopify.url, ref: shopify.referrer }
      : { loc: location.href, ref: document.referrer };
  }

  function send(tagId, eventName, eventData) {
    if (!consented) {
      return;
    }
    var context = pageContext();
    var browser = {
      loc: context.loc,
      ref: context.ref,
      if: window.top !== window,
      sh: screen.height,
      sw: screen.width,
      mh: 'demo',
      is_eu: false,
      ecm_enabled: false
    };
    var pairs = [['tid', tagId], ['event', eventName], ['ed', JSON.stringify(eventData || {})],
      ['ad', JSON.stringify(browser)], ['pd', JSON.stringify(partnerData)], ['cb', String(Date.now())]];
    new Image().src = ENDPOINT + '?' + query(pairs);
  }

  function call(method) {
    var args = Array.prototype.slice.call(arguments, 1);
    switch (method) {
      case 'load':
        if (tags.indexOf(String(args[0])) === -1) {
          tags.push(String(args[0]));
          Object.keys(args[1] || {}).forEach(function (key) {
            partnerData[key] = args[1][key];
          });
          send(String(args[0]), 'init', {});
        }
        break;
      case 'page':
        tags.forEach(function (tagId) { send(tagId, 'pagevisit', args[0]); });
        break;
      case 'track':
        tags.forEach(function (tagId) { send(tagId, String(args[0]).toLowerCase(), args[1]); });
        break;
      case 'set':
        Object.keys(args[0] || {}).forEach(function (key) {
          partnerData[key] = args[0][key];
        });
        break;
      case 'setconsent':
        consented = args[0] !== false;
        break;
      default:
        break;
    }
  }

  var pintrk = function () {
    call.apply(null, arguments);
  };
  pintrk.queue = [];
  pintrk.version = '3.0';
  pintrk.pixelauditLoaded = true;
  window.pintrk = pintrk;
  (stub.queue || []).forEach(function (args) {
    call.apply(null, args);
  });
})(window, document);
