/*
 * pixelaudit demo stand-in for the Google tag (served as www.googletagmanager.com/gtag/js?id=…).
 *
 * Not Google's code: a small readable library that reads the `dataLayer` the gtag() snippet fills
 * and sends the same hits gtag.js sends:
 *  - GA4 (`config` G-…, `event`):
 *      POST https://region1.google-analytics.com/g/collect?v=2&tid=G-…&_p=…&cid=…&ul=…&sr=…&_s=…
 *           &sid=…&sct=1&seg=0&dl=…&dr=…&dt=…&gcs=…&gcd=…&en=<event>&pr1=id…~nm…~pr…~qt…
 *           &epn.value=…&cu=…&ep.transaction_id=…         (sendBeacon, empty body)
 *  - Google Ads remarketing on `config` AW-…:
 *      GET https://googleads.g.doubleclick.net/pagead/viewthroughconversion/<id>/?…&data=event%3Dgtag.config
 *  - Google Ads conversion (`event` 'conversion' with send_to 'AW-<id>/<label>'):
 *      GET https://www.googleadservices.com/pagead/conversion/<id>/?label=…&value=…&currency_code=…&oid=…
 *          &data=event%3Dconversion…   and the same query to https://www.google.com/pagead/1p-conversion/<id>/
 * An `event` without send_to goes to every configured GA4 stream (not to Ads).
 *
 * Consent mode: `gcs` (G1<ad_storage><analytics_storage>) and `gcd` come from `consent`
 * default/update. While analytics_storage is denied, GA4 hits are cookieless pings (`gcs=G100`
 * or G110): no `_ga` / `_ga_*` cookie is read or written, and `cid` / `sid` are per-page values.
 * An `update` sends nothing by itself (no second page_view).
 * Enhanced measurement: a URL change through history.pushState or popstate sends a page_view
 * (new `dl`, the previous URL as `dr`) to every GA4 stream configured with page views.
 */
(function (window, document) {
  'use strict';
  var dataLayer = window.dataLayer = window.dataLayer || [];
  if (dataLayer.pixelauditGtag) {
    return; // the loader was included twice: one library per page, as with the real one
  }
  dataLayer.pixelauditGtag = true;

  var GA4_ENDPOINT = 'https://region1.google-analytics.com/g/collect';
  var ADS_REMARKETING = 'https://googleads.g.doubleclick.net/pagead/viewthroughconversion/';
  var ADS_CONVERSION = 'https://www.googleadservices.com/pagead/conversion/';
  var ADS_CONVERSION_1P = 'https://www.google.com/pagead/1p-conversion/';
  var ITEM_KEYS = { item_id: 'id', item_name: 'nm', item_brand: 'br', item_category: 'ca',
    item_category2: 'c2', item_category3: 'c3', item_variant: 'va', price: 'pr', quantity: 'qt',
    coupon: 'cp', discount: 'ds', item_list_name: 'ln', item_list_id: 'li', index: 'lp',
    affiliation: 'af', location_id: 'lo' };
  var NOT_EVENT_PARAMS = ['send_to', 'items', 'currency', 'event_callback', 'event_timeout',
    'non_interaction', 'groups', 'send_page_view', 'page_location', 'page_referrer', 'page_title'];

  var ga4Streams = [];     // 'G-…' ids
  var pageViewStreams = []; // the GA4 ids whose config sends page views (history changes too)
  var adsAccounts = [];    // numeric ids of 'AW-…'
  var consentDefault = null;
  var consentUpdate = null;
  var pageLoadId = String(Math.floor(Math.random() * 2147483647));
  var hitCounter = 0;
  var cookielessClientId = Math.floor(Math.random() * 2147483647) + '.' + Math.floor(Date.now() / 1000);
  var cookielessSessionId = String(Math.floor(Date.now() / 1000));

  function query(pairs) {
    return pairs.filter(function (p) {
      return p[1] !== undefined && p[1] !== null;
    }).map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(String(p[1]));
    }).join('&');
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]+)'));
    return match ? match[1] : null;
  }

  function setCookie(name, value) {
    document.cookie = name + '=' + value + '; path=/; max-age=63072000; SameSite=Lax; Secure';
  }

  // Without consent mode, storage is allowed; with it, only when granted.
  function storageAllowed(type) {
    var state = consentState(type);
    return state === undefined || state === 'granted';
  }

  function clientId() {
    if (!storageAllowed('analytics_storage')) {
      return cookielessClientId;
    }
    var ga = cookie('_ga');
    if (!ga) {
      ga = 'GA1.1.' + Math.floor(Math.random() * 2147483647) + '.' + Math.floor(Date.now() / 1000);
      setCookie('_ga', ga);
    }
    return ga.split('.').slice(2).join('.');
  }

  function sessionId(streamId) {
    if (!storageAllowed('analytics_storage')) {
      return cookielessSessionId;
    }
    var name = '_ga_' + streamId.replace(/^G-/, '');
    var value = cookie(name);
    if (!value) {
      value = 'GS1.1.' + Math.floor(Date.now() / 1000) + '.1.0.' + Math.floor(Date.now() / 1000) + '.0.0.0';
      setCookie(name, value);
    }
    return value.split('.')[2];
  }

  function consentState(type) {
    var value = consentUpdate && consentUpdate[type] !== undefined ? consentUpdate[type]
      : consentDefault ? consentDefault[type] : undefined;
    return value;
  }

  function gcs() {
    if (!consentDefault && !consentUpdate) {
      return undefined;
    }
    return 'G1' + (consentState('ad_storage') === 'granted' ? '1' : '0') +
      (consentState('analytics_storage') === 'granted' ? '1' : '0');
  }

  // Consent Mode v2 `gcd`: one letter per signal, from default and update state.
  function gcd() {
    if (!consentDefault && !consentUpdate) {
      return undefined;
    }
    var alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
    function code(state) {
      return state === 'granted' ? 3 : state === 'denied' ? 2 : 1;
    }
    var letters = ['ad_storage', 'analytics_storage', 'ad_user_data', 'ad_personalization'].map(function (type) {
      var d = code(consentDefault && consentDefault[type]);
      var u = code(consentUpdate && consentUpdate[type]);
      return alphabet.charAt(16 | (d << 2) | u);
    });
    return '13' + letters.join('3') + '5l1';
  }

  function itemParam(item) {
    return Object.keys(ITEM_KEYS).filter(function (key) {
      return item[key] !== undefined && item[key] !== null;
    }).map(function (key) {
      return ITEM_KEYS[key] + String(item[key]);
    }).join('~');
  }

  function sendGa4(streamId, eventName, params) {
    params = params || {};
    hitCounter += 1;
    var pairs = [
      ['v', '2'], ['tid', streamId], ['gtm', '45je5ca0'], ['_p', pageLoadId],
      ['gcs', gcs()], ['gcd', gcd()], ['cid', clientId()],
      ['ul', (navigator.language || '').toLowerCase()], ['sr', screen.width + 'x' + screen.height],
      ['_s', hitCounter], ['sid', sessionId(streamId)], ['sct', '1'], ['seg', '0'],
      ['dl', params.page_location || location.href],
      ['dr', params.page_referrer || document.referrer || undefined],
      ['dt', params.page_title || document.title],
      ['en', eventName]
    ];
    (params.items || []).forEach(function (item, i) {
      pairs.push(['pr' + (i + 1), itemParam(item)]);
    });
    if (params.currency) {
      pairs.push(['cu', params.currency]);
    }
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (NOT_EVENT_PARAMS.indexOf(key) !== -1 || value === undefined || value === null) {
        return;
      }
      pairs.push([(typeof value === 'number' ? 'epn.' : 'ep.') + key, value]);
    });
    var url = GA4_ENDPOINT + '?' + query(pairs);
    if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
      fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', keepalive: true });
    }
  }

  function adsCommon() {
    return [
      ['random', String(Math.floor(Math.random() * 1e10))], ['cv', '11'], ['fst', String(Date.now())],
      ['bg', 'ffffff'], ['guid', 'ON'], ['async', '1'], ['gcs', gcs()], ['gcd', gcd()],
      ['u_w', String(screen.width)], ['u_h', String(screen.height)], ['url', location.href],
      ['ref', document.referrer || undefined], ['hn', 'www.googleadservices.com'], ['frm', '0'],
      ['tiba', document.title]
    ];
  }

  function image(url) {
    new Image().src = url;
  }

  function sendAdsPageView(accountId) {
    var pairs = adsCommon().concat([['data', 'event=gtag.config'], ['rfmt', '3'], ['fmt', '3']]);
    image(ADS_REMARKETING + accountId + '/?' + query(pairs));
  }

  function sendAdsConversion(accountId, label, params) {
    var pairs = adsCommon().concat([
      ['label', label], ['value', params.value], ['currency_code', params.currency],
      ['oid', params.transaction_id], ['bttype', 'purchase'], ['npa', '0'],
      ['data', 'event=conversion'], ['rfmt', '3'], ['fmt', '3']
    ]);
    var q = query(pairs);
    image(ADS_CONVERSION + accountId + '/?' + q);
    image(ADS_CONVERSION_1P + accountId + '/?' + q);
  }

  function config(targetId, params) {
    params = params || {};
    if (/^G-/.test(targetId)) {
      if (ga4Streams.indexOf(targetId) === -1) {
        ga4Streams.push(targetId);
      }
      if (params.send_page_view !== false) {
        if (pageViewStreams.indexOf(targetId) === -1) {
          pageViewStreams.push(targetId);
        }
        sendGa4(targetId, 'page_view', {});
      }
    } else if (/^AW-/.test(targetId)) {
      var accountId = targetId.slice(3);
      if (adsAccounts.indexOf(accountId) === -1) {
        adsAccounts.push(accountId);
      }
      sendAdsPageView(accountId);
    }
  }

  function event(eventName, params) {
    params = params || {};
    var targets = params.send_to ? [].concat(params.send_to) : ga4Streams.slice();
    targets.forEach(function (target) {
      var ads = /^AW-(\d+)(?:\/(.+))?$/.exec(target);
      if (ads) {
        if (eventName === 'conversion' && ads[2]) {
          sendAdsConversion(ads[1], ads[2], params);
        }
      } else if (/^G-/.test(target)) {
        sendGa4(target, eventName, params);
      }
    });
  }

  function command(args) {
    switch (args[0]) {
      case 'consent':
        if (args[1] === 'default') {
          consentDefault = args[2] || {};
        } else if (args[1] === 'update') {
          consentUpdate = args[2] || {};
        }
        break;
      case 'config':
        config(args[1], args[2]);
        break;
      case 'event':
        event(args[1], args[2]);
        break;
      default:
        break; // js, set, get: nothing to send
    }
  }

  function process(entry) {
    if (Object.prototype.toString.call(entry) === '[object Arguments]') {
      command(Array.prototype.slice.call(entry));
    }
  }

  // Enhanced measurement: page views on history changes (single-page apps).
  var lastHref = location.href;
  function historyChanged() {
    if (location.href === lastHref) {
      return;
    }
    var previous = lastHref;
    lastHref = location.href;
    pageViewStreams.forEach(function (streamId) {
      sendGa4(streamId, 'page_view', { page_location: location.href, page_referrer: previous });
    });
  }
  var pushState = history.pushState;
  history.pushState = function () {
    var result = pushState.apply(this, arguments);
    historyChanged();
    return result;
  };
  window.addEventListener('popstate', historyChanged);

  var pending = dataLayer.slice();
  dataLayer.push = function () {
    var result = Array.prototype.push.apply(dataLayer, arguments);
    Array.prototype.forEach.call(arguments, process);
    return result;
  };
  pending.forEach(process);
})(window, document);
