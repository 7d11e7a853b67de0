/*
 * Northwind Threads demo: a small stand-in for Shopify's Web Pixels Manager bootstrap.
 *
 * - Sends Shopify's own storefront analytics (monorail `trekkie_storefront_page_view/1.4`) as a
 *   text/plain beacon to the store's /.well-known/shopify/monorail/unstable/produce_batch.
 * - Runs two app pixels outside the page, as Shopify does, and feeds them the page's events
 *   (page_viewed, then whatever the theme publishes) with postMessage:
 *     web-pixel-101 (Pinterest): a sandboxed iframe (lax sandbox) on /wpm@demo/web-pixel-101@1/…
 *     web-pixel-102 (TikTok):    a dedicated web worker (strict sandbox) /wpm@demo/web-pixel-102@1/…
 */
(function (window, document) {
  'use strict';
  var SHOP_ID = 55512345;
  var MONORAIL = '/.well-known/shopify/monorail/unstable/produce_batch';
  var IFRAME_SANDBOX = '/wpm@demo/web-pixel-101@1/sandbox/modern';
  var WORKER_SANDBOX = '/wpm@demo/web-pixel-102@1/sandbox/worker.js';

  var sequence = 0;
  var frame = null;
  var frameReady = false;
  var waitingForFrame = [];
  var worker = null;

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

  function deliver(event) {
    if (worker) {
      worker.postMessage(event);
    }
    if (frameReady) {
      frame.contentWindow.postMessage(event, '*');
    } else {
      waitingForFrame.push(event);
    }
  }

  window.webPixelsManager = {
    publish: function (name, data) {
      sequence += 1;
      deliver({
        id: 'sh-' + randomId(),
        name: name,
        type: 'standard',
        timestamp: new Date().toISOString(),
        clientId: clientId,
        seq: sequence,
        context: context(),
        data: data || {}
      });
    }
  };

  try {
    worker = new Worker(WORKER_SANDBOX, { name: 'web-pixel-102' });
  } catch (error) {
    worker = null;
  }
  window.webPixelsManager.publish('page_viewed', {});

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

  function createSandbox() {
    frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.name = 'web-pixel-sandbox-APP-101-1';
    frame.src = IFRAME_SANDBOX + location.pathname;
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    frame.style.cssText = 'display:none';
    frame.addEventListener('load', function () {
      frameReady = true;
      waitingForFrame.splice(0).forEach(function (event) {
        frame.contentWindow.postMessage(event, '*');
      });
    });
    document.body.appendChild(frame);
  }

  document.addEventListener('DOMContentLoaded', function () {
    sendMonorail();
    createSandbox();
  });
})(window, document);
