/*
 * Shopify app pixel, strict sandbox (a dedicated web worker): TikTok.
 *
 * Receives the storefront's events from the page with postMessage and sends each to TikTok's
 * events endpoint itself, with fetch, in the pixel's JSON wire format:
 *   POST https://analytics.tiktok.com/api/v2/pixel   Content-Type: text/plain;charset=UTF-8
 * The page URL comes from the event context, not from this worker's location.
 */
'use strict';

var PIXEL_CODE = 'C4DEMO0TIKTOK';
var ENDPOINT = 'https://analytics.tiktok.com/api/v2/pixel';
var sessionId = randomId();
var pageviewId = randomId();

function randomId() {
  return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
}

function send(eventName, event, properties, eventId) {
  var doc = event.context.document;
  var body = {
    event: eventName,
    message_id: 'messageId-' + randomId(),
    event_id: eventId,
    is_onsite: false,
    timestamp: event.timestamp,
    context: {
      ad: {},
      user: { anonymous_id: event.clientId },
      pixel: { code: PIXEL_CODE, runtime: '1', codes: PIXEL_CODE },
      page: { url: doc.location.href, referrer: doc.referrer },
      library: { name: 'pixel.js', version: '2.2.1' },
      device: { platform: '' },
      session_id: sessionId,
      pageview_id: pageviewId
    },
    properties: properties,
    _inspection: {}
  };
  fetch(ENDPOINT, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify(body),
    credentials: 'include'
  }).catch(function () {});
}

function contentsOf(lineItems) {
  return lineItems.map(function (line) {
    return { content_id: line.variant.sku, content_name: line.title, quantity: line.quantity,
      price: line.variant.price.amount };
  });
}

self.addEventListener('message', function (message) {
  var event = message.data;
  if (!event || !event.context) {
    return;
  }
  var data = event.data || {};
  switch (event.name) {
    case 'page_viewed':
      send('Pageview', event, {}, event.id);
      break;
    case 'product_viewed': {
      var variant = data.productVariant;
      send('ViewContent', event, {
        content_type: 'product', content_ids: [variant.sku],
        contents: [{ content_id: variant.sku, content_name: variant.product.title, quantity: 1,
          price: variant.price.amount }],
        value: variant.price.amount, currency: variant.price.currencyCode
      }, event.id);
      break;
    }
    case 'product_added_to_cart': {
      var line = data.cartLine;
      var merchandise = line.merchandise;
      send('AddToCart', event, {
        content_type: 'product', content_ids: [merchandise.sku],
        contents: [{ content_id: merchandise.sku, content_name: merchandise.product.title,
          quantity: line.quantity, price: merchandise.price.amount }],
        quantity: line.quantity,
        value: line.cost.totalAmount.amount, currency: line.cost.totalAmount.currencyCode
      }, event.id);
      break;
    }
    case 'checkout_started': {
      var started = data.checkout;
      send('InitiateCheckout', event, {
        content_type: 'product', contents: contentsOf(started.lineItems),
        content_ids: started.lineItems.map(function (line) { return line.variant.sku; }),
        value: started.totalPrice.amount, currency: started.currencyCode
      }, event.id);
      break;
    }
    case 'checkout_completed': {
      var completed = data.checkout;
      send('CompletePayment', event, {
        content_type: 'product', contents: contentsOf(completed.lineItems),
        content_ids: completed.lineItems.map(function (line) { return line.variant.sku; }),
        value: completed.totalPrice.amount, currency: completed.currencyCode,
        order_id: completed.order.id
      }, completed.order.id);
      break;
    }
    default:
      break;
  }
});
