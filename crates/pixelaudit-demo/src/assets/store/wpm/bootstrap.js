/*
 * Northwind Threads demo: a small stand-in for Shopify's Web Pixels Manager bootstrap.
 *
 * - Sends Shopify's own storefront analytics (monorail `trekkie_storefront_page_view/1.4`) as a
 *   text/plain beacon to the store's /.well-known/shopify/monorail/unstable/produce_batch, with
 *   or without consent (it is the store's own analytics).
 * - Runs two app pixels outside the page, as Shopify does, and feeds them the page's events
 *   (page_viewed, then whatever the theme publishes) with postMessage:
 *     web-pixel-101 (Pinterest): a sandboxed iframe (lax sandbox) on /wpm@demo/web-pixel-101@1/…
 *     web-pixel-102 (TikTok):    a dedicated web worker (strict sandbox) /wpm@demo/web-pixel-102@1/…
 * - The app pixels are marketing: they start only once the consent banner (NorthwindConsent)
 *   grants consent. Events published before that are kept and replayed to a pixel when it starts,
 *   so a pixel started after "Accept all" sees the same events as one started at page load.
 *   `webPixelsManager.startPixel(id)` starts one pixel now, whatever the consent (a no-op if it
 *   runs already).
 */
(function (window, document) {
  'use strict';
  var SHOP_ID = 55512345;
  var MONORAIL = '/.well-known/shopify/monorail/unstable/produce_batch';
  var IFRAME_SANDBOX = '/wpm@demo/web-pixel-101@1/sandbox/modern';
  var WORKER_SANDBOX = '/wpm@demo/web-pixel-102@1/sandbox/worker.js';

  var sequence = 0;
  var published = [];   // every event so far, replayed to a pixel when it starts
  var running = {};     // pixel id -> function delivering one event to it

  function randomId() {
    return 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, function () {
      return Math.floor(Math.random() * 16).toString(16);
    });
  }

  function cookieId(name, maxAge) {
    var match = document.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]+)'));
    if (match) {
      return match[1];
    }
    var id = randomId();
    document.cookie = name + '=' + id + '; path=/; max-age=' + maxAge + '; SameSite=Lax; Secure';
    return id;
  }

  var clientId = cookieId('_shopify_y', 31536000);
  var visitToken = cookieId('_shopify_s', 1800);

  function context() {
    return {
      document: {
        location: { href: location.href, pathname: location.pathname, search: location.search },
        referrer: document.referrer,
        title: document.title
      },
      navigator: { language: navigator.language, userAgent: navigator.userAgent }
    };
  }

  // Strict sandbox: a dedicated worker.
  function startWorker(path, name) {
    var worker;
    try {
      worker = new Worker(path, { name: name });
    } catch (error) {
      return function () {};
    }
    return function (event) {
      worker.postMessage(event);
    };
  }

  // Lax sandbox: a sandboxed iframe (created once <body> exists); events wait for its load.
  function startFrame(path, name) {
    var frame = null;
    var ready = false;
    var waiting = [];
    function create() {
      frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.name = name;
      frame.src = path + location.pathname;
      frame.setAttribute('aria-hidden', 'true');
      frame.tabIndex = -1;
      frame.style.cssText = 'display:none';
      frame.addEventListener('load', function () {
        ready = true;
        waiting.splice(0).forEach(function (event) {
          frame.contentWindow.postMessage(event, '*');
        });
      });
      document.body.appendChild(frame);
    }
    if (document.body) {
      create();
    } else {
      document.addEventListener('DOMContentLoaded', create);
    }
    return function (event) {
      if (ready) {
        frame.contentWindow.postMessage(event, '*');
      } else {
        waiting.push(event);
      }
    };
  }

  var PIXELS = {
    'web-pixel-101': function () { return startFrame(IFRAME_SANDBOX, 'web-pixel-sandbox-APP-101-1'); },
    'web-pixel-102': function () { return startWorker(WORKER_SANDBOX, 'web-pixel-102'); }
  };

  function startPixel(id) {
    if (running[id] || !PIXELS[id]) {
      return false;
    }
    var deliver = PIXELS[id]();
    running[id] = deliver;
    published.forEach(deliver);
    return true;
  }

  window.webPixelsManager = {
    publish: function (name, data) {
      sequence += 1;
      var event = {
        id: 'sh-' + randomId(),
        name: name,
        type: 'standard',
        timestamp: new Date().toISOString(),
        clientId: clientId,
        seq: sequence,
        context: context(),
        data: data || {}
      };
      published.push(event);
      Object.keys(running).forEach(function (id) {
        running[id](event);
      });
    },
    startPixel: startPixel
  };

  function sendMonorail() {
    var meta = (window.ShopifyAnalytics && window.ShopifyAnalytics.meta) || {};
    var page = meta.page || {};
    var now = Date.now();
    var body = {
      events: [{
        schema_id: 'trekkie_storefront_page_view/1.4',
        payload: {
          shopId: SHOP_ID,
          appClientId: '580111',
          currency: meta.currency || 'EUR',
          uniqToken: clientId,
          visitToken: visitToken,
          microSessionId: randomId(),
          microSessionCount: 1,
          url: location.href,
          path: location.pathname,
          search: location.search,
          referrer: document.referrer,
          title: document.title,
          pageType: page.pageType || 'other',
          resourceType: page.resourceType || null,
          resourceId: page.resourceId || null,
          isMerchantRequest: null,
          isPersistentCookie: true,
          hasIdentity: false
        },
        metadata: { event_created_at_ms: now }
      }],
      metadata: { event_sent_at_ms: now }
    };
    var text = JSON.stringify(body);
    if (!(navigator.sendBeacon && navigator.sendBeacon(MONORAIL, text))) {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', MONORAIL);
      xhr.setRequestHeader('Content-Type', 'text/plain');
      xhr.send(text);
    }
  }

  document.addEventListener('DOMContentLoaded', sendMonorail);

  function startAll() {
    Object.keys(PIXELS).forEach(startPixel);
  }
  if (window.NorthwindConsent) {
    window.NorthwindConsent.whenGranted(startAll);
  } else {
    startAll();
  }
  window.webPixelsManager.publish('page_viewed', {});
})(window, document);
