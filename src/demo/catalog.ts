/** The demo shop's products: enough for a landing page, product pages and a CF7 page to link to. */
export interface Product {
  slug: string
  name: string
  price: string
  blurb: string
  /** Its order form is sent with fetch (data-relay-ajax) instead of a plain post. */
  ajax?: boolean
}

export const PRODUCTS: readonly Product[] = Object.freeze([
  { slug: 'magnifica-s', name: 'Кофемашина DeLonghi Magnifica S', price: '39 990 ₽', blurb: 'Зерно, капучинатор, 15 бар.' },
  { slug: 'oak-chair', name: 'Стул из дуба «Север»', price: '7 450 ₽', blurb: 'Массив дуба, масло-воск.' },
  { slug: 'kettle-k3', name: 'Чайник K3 Steel', price: '3 290 ₽', blurb: '1,7 л, автоотключение.', ajax: true }
])

export function productBySlug (slug: string): Product | undefined {
  return PRODUCTS.find((product) => product.slug === slug)
}
