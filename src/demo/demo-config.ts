/** The relay configuration of the demo: the zero-config `default` form plus the shop's two forms. */

export interface DemoConfigInput {
  webhookUrl: string
  shopUrl: string
  outboxUrl: string
  cf7Secret: string
}

export const SHOP_FORM_ID = 'shop'
export const CF7_FORM_ID = 'cf7'

/** Custom lead fields the demo's emulated portal has, as a real portal would after setting them up. */
export const DEMO_USER_FIELDS = [
  { name: 'UF_CRM_PRODUCT_URL', type: 'url', label: 'Страница товара' },
  { name: 'UF_CRM_PRODUCT_NAME', type: 'string', label: 'Товар' }
]

/** A raw config object, validated by buildConfig like a relay.config.yaml would be. */
export function demoConfig (input: DemoConfigInput): Record<string, unknown> {
  return {
    portals: { default: { webhook: input.webhookUrl } },
    forms: {
      [SHOP_FORM_ID]: {
        name: 'Демо-магазин',
        language: 'ru',
        fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_HOME', message: 'COMMENTS' },
        required: ['name', 'phone'],
        defaults: { SOURCE_ID: 'WEB' },
        productUrl: { target: 'UF_CRM_PRODUCT_URL' },
        productName: { sources: ['page_title'], target: 'UF_CRM_PRODUCT_NAME' },
        successUrl: `${input.shopUrl}/thanks`,
        // Only the shop's pages may post here from a browser (CORS and the Origin check).
        origins: [input.shopUrl]
      },
      // The same mapping docs/cf7.md shows: CF7's default names, by configuration only.
      [CF7_FORM_ID]: {
        name: 'Contact Form 7',
        language: 'ru',
        fields: {
          'your-name': 'NAME',
          'your-email': 'EMAIL_WORK',
          'tel-*': 'PHONE_MOBILE',
          'your-message': 'COMMENTS'
        },
        labels: { 'menu-*': 'Что интересует', 'checkbox-*': 'Как связаться' },
        defaults: { SOURCE_ID: 'WEB' },
        productUrl: { sources: ['page_url', '_url', '_post_url'], target: 'UF_CRM_PRODUCT_URL' },
        productName: { sources: ['_post_title', 'page_title'], target: 'UF_CRM_PRODUCT_NAME' },
        // The WordPress server posts here, sending this in X-Relay-Secret.
        secret: input.cf7Secret
      }
    },
    outbox: { url: input.outboxUrl },
    // A mended portal is tried again within seconds, so the leads page shows the held leads arriving.
    delivery: { authProbeMs: 3000, retryMaxMs: 5000 }
  }
}
