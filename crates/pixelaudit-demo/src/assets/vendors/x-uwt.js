/*
 * pixelaudit demo stand-in for the X (Twitter) pixel (served as static.ads-twitter.com/uwt.js).
 *
 * Not X's code: a small readable library behind `twq('config', pixelId)` (page view) and
 * `twq('event', 'tw-<pixelId>-<eventId>', {value, currency, conversion_id, contents, …})`.
 * Like the real pixel, every hit is sent twice, as images with the same query string:
 *   GET https://t.co/1/i/adsct?bci=4&dv=…&eci=3&event=<JSON of the event params, {} for a page view>
 *       &event_id=<uuid per hit>&integration=advertiser&p_id=Twitter&p_user_id=0&pl_id=<page load uuid>
 *       &tw_document_href=<page>&tw_iframe_status=0&txn_id=<pixelId>&type=javascript&version=2.3.33
 *   GET https://analytics.twitter.com/1/i/adsct?<the same query>
 */
(function (window, document) {
  'use strict';
  var twq = window.twq;
  if (!twq || twq.exe) {
    return;
  }

  var HOSTS = ['https://t.co/1/i/adsct', 'https://analytics.twitter.com/1/i/adsct'];
  var pixels = [];
  var pageLoadId = uuid();

  function uuid() {
    return 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, function () {
      return Math.floor(Math.random() * 16).toString(16);
    });
  }

  function deviceInfo() {
    var zone = '';
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      zone = '';
    }
    return [zone, (navigator.languages || []).join(','), navigator.vendor, navigator.platform, '255',
      screen.width, screen.height, navigator.hardwareConcurrency || 0, screen.colorDepth,
      screen.availWidth, screen.availHeight, '0', 'na'].join('&');
  }

  function query(pairs) {
    return pairs.map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(String(p[1]));
    }).join('&');
  }

  function send(pixelId, eventParams) {
    var q = query([
      ['bci', '4'], ['dv', deviceInfo()], ['eci', '3'], ['event', JSON.stringify(eventParams || {})],
      ['event_id', uuid()], ['integration', 'advertiser'], ['p_id', 'Twitter'], ['p_user_id', '0'],
      ['pl_id', pageLoadId], ['tw_document_href', location.href],
      ['tw_iframe_status', window.top !== window ? '1' : '0'], ['txn_id', pixelId],
      ['type', 'javascript'], ['version', '2.3.33']
    ]);
    HOSTS.forEach(function (endpoint) {
      new Image().src = endpoint + '?' + q;
    });
  }

  twq.exe = function (command, a, b) {
    if (command === 'config' || command === 'init') {
      if (pixels.indexOf(a) === -1) {
        pixels.push(a);
        if (command === 'config') {
          send(a, {});
        }
      }
    } else if (command === 'track' && a === 'PageView') {
      pixels.forEach(function (pixelId) {
        send(pixelId, {});
      });
    } else if (command === 'event') {
      var tag = /^tw-([a-z0-9]+)-([a-z0-9]+)$/.exec(String(a));
      if (tag) {
        send(tag[1], b || {});
      }
    }
  };
  var queued = twq.queue || [];
  twq.queue = [];
  queued.forEach(function (args) {
    twq.exe.apply(twq, args);
  });
})(window, document);
