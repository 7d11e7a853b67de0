/*
 * pixelaudit demo stand-in for Microsoft Advertising UET (served as bat.bing.com/bat.js).
 *
 * Not Microsoft's code: a small readable `UET` class for the standard UET snippet
 * (`o.q = w.uetq; w.uetq = new UET(o); w.uetq.push('pageLoad')`). Hits are image requests:
 *   GET https://bat.bing.com/action/0?ti=<tag>&Ver=2&mid=…&sid=…&vid=…&lg=…&sw=…&sh=…&tl=<title>
 *       &p=<page>&r=<referrer>&evt=pageLoad|custom&ea=<action>&ec=…&el=…&ev=…&gv=<revenue>&gc=<currency>&rn=…
 * `uetq.push('event', action, {event_category, event_label, event_value, revenue_value, currency,
 * ecomm_prodid, ecomm_pagetype, …})` sends `evt=custom`. Options other than `ti` (such as
 * `enableAutoSpaTracking`) are accepted and ignored: history changes send nothing.
 */
(function (window, document) {
  'use strict';
  if (window.UET) {
    return;
  }

  var ENDPOINT = 'https://bat.bing.com/action/0';
  var PARAMS = { event_category: 'ec', event_label: 'el', event_value: 'ev', revenue_value: 'gv',
    currency: 'gc', ecomm_prodid: 'prodid', ecomm_pagetype: 'pagetype' };

  function uuid() {
    return 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, function () {
      return Math.floor(Math.random() * 16).toString(16);
    });
  }

  function storedId(name, make) {
    var match = document.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]+)'));
    if (match) {
      return match[1];
    }
    var value = make();
    document.cookie = name + '=' + value + '; path=/; max-age=33696000; SameSite=Lax; Secure';
    return value;
  }

  function query(pairs) {
    return pairs.map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(String(p[1]));
    }).join('&');
  }

  function UET(options) {
    this.ti = String(options.ti);
    this.sessionId = storedId('_uetsid', function () { return uuid().replace(/-/g, ''); });
    this.visitorId = storedId('_uetvid', function () { return uuid().replace(/-/g, ''); });
    var queue = options.q || [];
    for (var i = 0; i < queue.length; i += 1) {
      if (queue[i] === 'event' || queue[i] === 'consent' || queue[i] === 'set') {
        this.push(queue[i], queue[i + 1], queue[i + 2]);
        i += 2;
      } else {
        this.push(queue[i]);
      }
    }
  }

  UET.prototype.send = function (extra) {
    var pairs = [
      ['ti', this.ti], ['tm', 'al001'], ['Ver', '2'], ['mid', uuid()], ['sid', this.sessionId],
      ['vid', this.visitorId], ['vids', '1'], ['msclkid', 'N'], ['lg', navigator.language || ''],
      ['sw', screen.width], ['sh', screen.height], ['sc', screen.colorDepth],
      ['tl', document.title], ['p', location.href], ['r', document.referrer],
      ['lt', Math.round(performance.now())]
    ].concat(extra);
    pairs.push(['sv', '1'], ['rn', String(Math.floor(Math.random() * 1e6))]);
    new Image().src = ENDPOINT + '?' + query(pairs);
  };

  UET.prototype.push = function (command, action, params) {
    if (command === 'pageLoad') {
      this.send([['evt', 'pageLoad']]);
    } else if (command === 'event') {
      var extra = [['evt', 'custom'], ['ea', action || '']];
      Object.keys(params || {}).forEach(function (key) {
        var value = params[key];
        if (value !== undefined && value !== null) {
          extra.push([PARAMS[key] || key, Array.isArray(value) ? value.join(',') : value]);
        }
      });
      this.send(extra);
    }
    // 'consent' and 'set' change state only; nothing is sent for them here.
  };

  window.UET = UET;
})(window, document);
