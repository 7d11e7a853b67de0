/*
 * pixelaudit demo stand-in for the Reddit pixel (served as www.redditstatic.com/ads/pixel.js).
 *
 * Not Reddit's code: a small readable library behind `rdt('init', id, options)` and
 * `rdt('track', event, {itemCount, value, currency, conversionId, transactionId, products,
 * customEventName})`. Each event is an image request:
 *   GET https://alb.reddit.com/rp.gif?ts=…&id=<pixel>&event=PageVisit|ViewContent|Purchase|…
 *       &m.itemCount=…&m.value=…&m.currency=…&m.conversionId=…&m.products=<JSON>&uuid=…
 *       &integration=reddit&opt_out=0&sh=…&sw=…&v=…
 */
(function (window, document) {
  'use strict';
  var rdt = window.rdt;
  if (!rdt || rdt.sendEvent) {
    return;
  }

  var ENDPOINT = 'https://alb.reddit.com/rp.gif';
  var METADATA = ['itemCount', 'value', 'currency', 'conversionId', 'transactionId', 'products',
    'customEventName'];
  var pixels = [];
  var optOut = false;

  function uuid() {
    return 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, function () {
      return Math.floor(Math.random() * 16).toString(16);
    });
  }

  function query(pairs) {
    return pairs.map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(String(p[1]));
    }).join('&');
  }

  function send(pixelId, eventName, metadata) {
    var pairs = [['ts', Date.now()], ['id', pixelId], ['event', eventName]];
    METADATA.forEach(function (key) {
      var value = metadata && metadata[key];
      if (value !== undefined && value !== null) {
        pairs.push(['m.' + key, typeof value === 'object' ? JSON.stringify(value) : value]);
      }
    });
    pairs.push(['uuid', uuid()], ['aaid', ''], ['em', ''], ['external_id', ''], ['idfa', ''],
      ['integration', 'reddit'], ['opt_out', optOut ? '1' : '0'], ['sh', screen.height],
      ['sw', screen.width], ['v', 'rdt_demo']);
    new Image().src = ENDPOINT + '?' + query(pairs);
  }

  rdt.sendEvent = function (command, a, b) {
    if (command === 'init') {
      if (pixels.indexOf(a) === -1) {
        pixels.push(a);
      }
      optOut = Boolean(b && b.optOut);
    } else if (command === 'track') {
      pixels.forEach(function (pixelId) {
        send(pixelId, a, b);
      });
    }
  };
  var queued = rdt.callQueue || [];
  rdt.callQueue = [];
  queued.forEach(function (args) {
    rdt.sendEvent.apply(rdt, args);
  });
})(window, document);
