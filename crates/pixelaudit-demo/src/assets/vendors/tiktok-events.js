/*
 * pixelaudit demo stand-in for TikTok's pixel (served as analytics.tiktok.com/i18n/pixel/events.js?sdkid=…).
 *
 * Not TikTok's code: a small readable library behind the `ttq` API of the TikTok base code
 * (`ttq.load(code)`, `ttq.page()`, `ttq.track(event, properties, { event_id })`, `ttq.identify`,
 * `ttq.instance(code)`, `holdConsent` / `grantConsent` / `revokeConsent`). Each event is
 *   POST https://analytics.tiktok.com/api/v2/pixel   Content-Type: text/plain;charset=UTF-8
 *   {"event":"Pageview"|…,"event_id":…,"message_id":…,"timestamp":…,
 *    "context":{"pixel":{"code":…,"codes":…},"page":{"url":…,"referrer":…},…},"properties":{…}}
 * sent with fetch (keepalive, credentials). Works in a page and in a worker.
 */
(function (global) {
  'use strict';
  var name = global.TiktokAnalyticsObject || 'ttq';
  var ttq = global[name];
  if (!ttq || ttq.pixelauditLoaded) {
    return;
  }

  var ENDPOINT = 'https://analytics.tiktok.com/api/v2/pixel';
  var codes = [];
  var consent = 'granted';       // 'held' buffers events until grantConsent()
  var held = [];
  var sessionId = randomId();
  var pageviewId = randomId();
  var anonymousId = randomId();

  function randomId() {
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }

  function addCode(code) {
    if (code && codes.indexOf(code) === -1) {
      codes.push(code);
    }
  }

  // The pixel code from the loader URL, and from every ttq.load() the snippet recorded.
  var current = global.document && global.document.currentScript;
  if (current && current.src) {
    addCode(new URL(current.src).searchParams.get('sdkid'));
  }
  Object.keys(ttq._i || {}).forEach(addCode);

  function page() {
    var doc = global.document;
    return {
      url: doc ? global.location.href : '',
      referrer: doc ? doc.referrer : ''
    };
  }

  function send(code, eventName, properties, options) {
    if (consent === 'held') {
      held.push([code, eventName, properties, options]);
      return;
    }
    if (consent === 'revoked') {
      return;
    }
    var body = {
      event: eventName,
      message_id: 'messageId-' + randomId(),
      event_id: (options && options.event_id) || '',
      is_onsite: false,
      timestamp: new Date().toISOString(),
      context: {
        ad: {},
        user: { anonymous_id: anonymousId },
        pixel: { code: code, runtime: '1', codes: codes.join('|') },
        page: page(),
        library: { name: 'pixel.js', version: '2.2.1' },
        device: { platform: (global.navigator && global.navigator.platform) || '' },
        session_id: sessionId,
        pageview_id: pageviewId
      },
      properties: properties || {},
      _inspection: {}
    };
    fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(body),
      credentials: 'include',
      keepalive: true
    }).catch(function () {});
  }

  function forCodes(targets, eventName, properties, options) {
    targets.forEach(function (code) {
      send(code, eventName, properties, options);
    });
  }

  function api(targets) {
    return {
      page: function () {
        forCodes(targets(), 'Pageview', {}, {});
      },
      track: function (eventName, properties, options) {
        forCodes(targets(), eventName, properties, options);
      },
      identify: function () {}
    };
  }

  var all = api(function () { return codes; });
  var methods = {
    load: function (code) { addCode(code); },
    page: all.page,
    track: all.track,
    identify: all.identify,
    instance: function (code) { return api(function () { return [code]; }); },
    holdConsent: function () { consent = 'held'; },
    revokeConsent: function () { consent = 'revoked'; held = []; },
    grantConsent: function () {
      consent = 'granted';
      held.splice(0).forEach(function (args) { send.apply(null, args); });
    }
  };

  // The snippet queued calls as [method, …args] entries of the ttq array itself.
  var queued = Array.prototype.slice.call(ttq);
  Object.keys(methods).forEach(function (method) {
    ttq[method] = methods[method];
  });
  ttq.pixelauditLoaded = true;
  queued.forEach(function (entry) {
    if (entry && methods[entry[0]] && entry[0] !== 'load') {
      methods[entry[0]].apply(null, entry.slice(1));
    }
  });
})(typeof window !== 'undefined' ? window : self);
