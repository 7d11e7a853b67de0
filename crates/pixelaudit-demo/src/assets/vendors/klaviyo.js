/*
 * pixelaudit demo stand-in for Klaviyo onsite JS (served as static.klaviyo.com/onsite/js/klaviyo.js?company_id=…).
 *
 * Not Klaviyo's code: a small readable library behind `klaviyo.push(['track', name, properties])`,
 * `klaviyo.track(name, properties)` and the legacy `_learnq.push([...])` queue. On load it sends
 * "Active on Site"; every event goes to the client API as JSON:API:
 *   POST https://a.klaviyo.com/client/events/?company_id=<key>   Content-Type: application/json, revision: …
 *   {"data":{"type":"event","attributes":{"properties":{…},
 *     "metric":{"data":{"type":"metric","attributes":{"name":"Viewed Product"}}},
 *     "profile":{"data":{"type":"profile","attributes":{"anonymous_id":…}}},
 *     "time":…,"value":<$value>,"unique_id":<$event_id or a fresh id>}}}
 */
(function (window, document) {
  'use strict';
  if (window.klaviyoPixelauditLoaded) {
    return;
  }
  window.klaviyoPixelauditLoaded = true;

  var ENDPOINT = 'https://a.klaviyo.com/client/events/';
  var REVISION = '2024-10-15';
  var script = document.currentScript;
  var companyId = script && script.src ? new URL(script.src).searchParams.get('company_id') : null;

  function randomId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function anonymousId() {
    var match = document.cookie.match(/(?:^|;\s*)__kla_id=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var id = randomId();
    document.cookie = '__kla_id=' + encodeURIComponent(id) + '; path=/; max-age=63072000; SameSite=Lax; Secure';
    return id;
  }

  function track(metric, properties) {
    if (!companyId || /(?:^|;\s*)__kla_off=true/.test(document.cookie)) {
      return;
    }
    var props = {};
    Object.keys(properties || {}).forEach(function (key) {
      props[key] = properties[key];
    });
    var attributes = {
      properties: props,
      metric: { data: { type: 'metric', attributes: { name: metric } } },
      profile: { data: { type: 'profile', attributes: { anonymous_id: anonymousId() } } },
      time: new Date().toISOString(),
      unique_id: props.$event_id ? String(props.$event_id) : randomId()
    };
    if (props.$value !== undefined) {
      attributes.value = Number(props.$value);
    }
    delete props.$value;
    delete props.$event_id;
    fetch(ENDPOINT + '?company_id=' + encodeURIComponent(companyId), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', revision: REVISION },
      body: JSON.stringify({ data: { type: 'event', attributes: attributes } }),
      keepalive: true
    }).catch(function () {});
  }

  function handle(command) {
    if (!command || !command.length) {
      return;
    }
    switch (command[0]) {
      case 'track':
        track(command[1], command[2]);
        break;
      case 'account':
        companyId = command[1];
        break;
      default:
        break; // identify, trackViewedItem, …: nothing to send in the demo
    }
  }

  track('Active on Site', { page: location.href, $use_ip: true, $is_session_activity: true });

  function drain(name) {
    var queued = window[name] || [];
    window[name] = { push: function () { Array.prototype.forEach.call(arguments, handle); } };
    Array.prototype.forEach.call(queued, handle);
  }
  var stub = window.klaviyo;
  window.klaviyo = {
    push: function () { Array.prototype.forEach.call(arguments, handle); },
    track: function (metric, properties) { track(metric, properties); return Promise.resolve(true); },
    identify: function () { return Promise.resolve({}); }
  };
  drain('_klOnsite');
  drain('_learnq');
  if (stub && typeof stub.length === 'number') {
    Array.prototype.forEach.call(stub, handle); // a plain `klaviyo = []` queue
  }
})(window, document);
