/*
 * pixelaudit demo stand-in for Meta's fbevents.js (served as connect.facebook.net/en_US/fbevents.js).
 *
 * Not Meta's code: a small readable library that implements the `fbq` API the base code queues
 * calls for, and sends hits the way the real library does on the wire:
 *   GET https://www.facebook.com/tr/?id=<pixel>&ev=<event>&dl=…&rl=…&if=…&ts=…&cd[<key>]=…&sw=…&sh=…
 *       &v=…&r=stable&ec=<n>&o=4126&fbp=…&eid=<eventID>&it=…&coo=false&rqm=GET   (an image request)
 * Like the real library, `init` of an id that is already initialised is ignored (with a console
 * warning), and `track` goes to every initialised pixel, so a base code installed twice sends
 * every event twice. Also like the real library, a URL change through history.pushState or
 * popstate sends a PageView (new `dl`) to every pixel, unless `fbq.disablePushState` is true.
 */
(function (window, document) {
  'use strict';
  var fbq = window.fbq;
  if (!fbq || fbq.callMethod) {
    return;
  }

  var VERSION = '2.9.156';
  var RELEASE = 'stable';
  var STANDARD_EVENTS = ['PageView', 'ViewContent', 'Search', 'AddToCart', 'AddToWishlist',
    'InitiateCheckout', 'AddPaymentInfo', 'Purchase', 'Lead', 'CompleteRegistration', 'Contact',
    'CustomizeProduct', 'Donate', 'FindLocation', 'Schedule', 'StartTrial', 'SubmitApplication',
    'Subscribe'];

  var pixels = [];          // initialised pixel ids, in order
  var eventCounters = {};   // per pixel: events sent on this page (`ec`)
  var initTimes = {};       // per pixel: init timestamp (`it`)
  var plugins = {};

  function query(pairs) {
    return pairs.map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(p[1]);
    }).join('&');
  }

  function browserId() {
    var match = document.cookie.match(/(?:^|;\s*)_fbp=([^;]+)/);
    if (match) {
      return match[1];
    }
    var value = 'fb.1.' + Date.now() + '.' + Math.floor(Math.random() * 1e10);
    document.cookie = '_fbp=' + value + '; path=/; max-age=7776000; SameSite=Lax; Secure';
    return value;
  }

  function send(pixelId, eventName, customData, eventId) {
    var pairs = [
      ['id', pixelId],
      ['ev', eventName],
      ['dl', location.href],
      ['rl', document.referrer],
      ['if', String(window.top !== window)],
      ['ts', String(Date.now())]
    ];
    Object.keys(customData || {}).forEach(function (key) {
      var value = customData[key];
      if (value === undefined || value === null) {
        return;
      }
      pairs.push(['cd[' + key + ']', typeof value === 'object' ? JSON.stringify(value) : String(value)]);
    });
    pairs.push(['sw', String(screen.width)], ['sh', String(screen.height)], ['v', VERSION],
      ['r', RELEASE], ['ec', String(eventCounters[pixelId]++)], ['o', '4126'], ['fbp', browserId()]);
    if (eventId) {
      pairs.push(['eid', String(eventId)]);
    }
    pairs.push(['it', String(initTimes[pixelId])], ['coo', 'false'], ['rqm', 'GET']);
    new Image().src = 'https://www.facebook.com/tr/?' + query(pairs);
  }

  function loadConfig(pixelId) {
    var script = document.createElement('script');
    script.async = true;
    script.src = 'https://connect.facebook.net/signals/config/' + pixelId + '?v=' + VERSION + '&r=' + RELEASE;
    (document.head || document.documentElement).appendChild(script);
  }

  function init(pixelId) {
    pixelId = String(pixelId);
    if (pixels.indexOf(pixelId) !== -1) {
      console.warn('[Meta Pixel] - Duplicate Pixel ID: ' + pixelId + '.');
      return;
    }
    pixels.push(pixelId);
    eventCounters[pixelId] = 0;
    initTimes[pixelId] = Date.now();
    loadConfig(pixelId);
  }

  function trackTo(targets, eventName, customData, options) {
    var eventId = options && options.eventID;
    targets.forEach(function (pixelId) {
      send(pixelId, eventName, customData, eventId);
    });
  }

  function callMethod(method) {
    var args = Array.prototype.slice.call(arguments, 1);
    switch (method) {
      case 'init':
        init(args[0]);
        break;
      case 'track':
        if (STANDARD_EVENTS.indexOf(args[0]) === -1) {
          console.warn('[Meta Pixel] - You are sending a non-standard event \'' + args[0] +
            '\'. Use fbq(\'trackCustom\', …) instead.');
        }
        trackTo(pixels, args[0], args[1], args[2]);
        break;
      case 'trackCustom':
        trackTo(pixels, args[0], args[1], args[2]);
        break;
      case 'trackSingle':
      case 'trackSingleCustom':
        if (pixels.indexOf(String(args[0])) !== -1) {
          trackTo([String(args[0])], args[1], args[2], args[3]);
        }
        break;
      default:
        // set, consent, dataProcessingOptions, …: accepted, nothing to send.
        break;
    }
  }

  // Single-page apps: a history change is a new page.
  var lastHref = location.href;
  function historyChanged() {
    if (fbq.disablePushState === true || location.href === lastHref) {
      return;
    }
    lastHref = location.href;
    trackTo(pixels, 'PageView');
  }
  var pushState = history.pushState;
  history.pushState = function () {
    var result = pushState.apply(this, arguments);
    historyChanged();
    return result;
  };
  window.addEventListener('popstate', historyChanged);

  fbq.callMethod = callMethod;
  fbq.registerPlugin = function (name, plugin) {
    plugins[name] = plugin;
  };
  fbq.version = VERSION;
  var queued = fbq.queue || [];
  fbq.queue = [];
  queued.forEach(function (args) {
    callMethod.apply(null, args);
  });
})(window, document);
