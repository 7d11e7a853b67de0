/*
 * pixelaudit demo stand-in for the Snap Pixel (served as sc-static.net/scevent.min.js).
 *
 * Not Snap's code: a small readable library behind `snaptr('init', pixelId, user)` and
 * `snaptr('track', EVENT, params)`. Each event is a form-encoded beacon:
 *   POST https://tr.snapchat.com/p   application/x-www-form-urlencoded
 *   pid=<uuid>&ev=PAGE_VIEW|VIEW_CONTENT|…&pl=<page>&ts=…&rf=<referrer>&v=1.5&if=false&bt=__LIVE__
 *   &u_c1=<cookie id>&e_pr=<price>&e_cur=<currency>&e_iids=<JSON item ids>&e_ni=…&e_tid=<transaction>
 */
(function (window, document) {
  'use strict';
  var snaptr = window.snaptr;
  if (!snaptr || snaptr.handleRequest) {
    return;
  }

  var ENDPOINT = 'https://tr.snapchat.com/p';
  var PARAMS = { price: 'e_pr', currency: 'e_cur', item_ids: 'e_iids', item_category: 'e_ic',
    number_items: 'e_ni', transaction_id: 'e_tid', description: 'e_desc', search_string: 'e_ss',
    sign_up_method: 'e_sm', success: 'e_su', payment_info_available: 'e_pia' };
  var pixels = [];

  function cookieId() {
    var match = document.cookie.match(/(?:^|;\s*)_scid=([^;]+)/);
    if (match) {
      return match[1];
    }
    var id = 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, function () {
      return Math.floor(Math.random() * 16).toString(16);
    });
    document.cookie = '_scid=' + id + '; path=/; max-age=33696000; SameSite=Lax; Secure';
    return id;
  }

  function send(pixelId, eventName, params) {
    var body = new URLSearchParams();
    body.set('pid', pixelId);
    body.set('ev', eventName);
    body.set('pl', location.href);
    body.set('ts', String(Date.now()));
    body.set('rf', document.referrer);
    body.set('v', '1.5');
    body.set('if', String(window.top !== window));
    body.set('bt', '__LIVE__');
    body.set('u_c1', cookieId());
    Object.keys(params || {}).forEach(function (key) {
      var value = params[key];
      if (PARAMS[key] && value !== undefined && value !== null) {
        body.set(PARAMS[key], Array.isArray(value) ? JSON.stringify(value) : String(value));
      }
    });
    if (!(navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, body))) {
      fetch(ENDPOINT, { method: 'POST', body: body, credentials: 'include', keepalive: true });
    }
  }

  snaptr.handleRequest = function (command, a, b) {
    if (command === 'init') {
      if (pixels.indexOf(a) === -1) {
        pixels.push(a);
      }
    } else if (command === 'track') {
      pixels.forEach(function (pixelId) {
        send(pixelId, a, b);
      });
    }
  };
  var queued = snaptr.queue || [];
  snaptr.queue = [];
  queued.forEach(function (args) {
    snaptr.handleRequest.apply(snaptr, args);
  });
})(window, document);
