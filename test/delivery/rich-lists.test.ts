import { describe, expect, it } from 'vitest'
import { ListFieldCache, noteUnknownLabels, resolveListLabels } from '../../src/delivery/list-fields.ts'

const city = {
  name: 'UF_CRM_CITY',
  items: [{ id: '11', label: 'Москва' }, { id: '12', label: 'Санкт-Петербург' }, { id: '13', label: 'Орёл' }]
}
const lists = new Map([[city.name, city]])

describe('list fields: labels to item ids', () => {
  it('matches labels forgiving case, spaces, a trailing dot and ё/е; keeps typed ids; drops and reports unknown labels', () => {
    expect(resolveListLabels({ UF_CRM_CITY: ' МОСКВА. ' }, ['UF_CRM_CITY'], lists)).toEqual({ fields: { UF_CRM_CITY: '11' }, unknown: [] })
    expect(resolveListLabels({ UF_CRM_CITY: 'Орел' }, ['UF_CRM_CITY'], lists).fields.UF_CRM_CITY).toBe('13')
    expect(resolveListLabels({ UF_CRM_CITY: '12' }, ['UF_CRM_CITY'], lists).fields.UF_CRM_CITY).toBe('12')
    expect(resolveListLabels({ UF_CRM_CITY: ['Москва', 'Мск', 'москва'] }, ['UF_CRM_CITY'], lists))
      .toEqual({ fields: { UF_CRM_CITY: '11' }, unknown: [['UF_CRM_CITY', 'Мск']] })
    expect(resolveListLabels({ UF_CRM_CITY: ['Москва', 'Санкт-Петербург'] }, ['UF_CRM_CITY'], lists).fields.UF_CRM_CITY)
      .toEqual(['11', '12'])
    expect(resolveListLabels({ UF_CRM_CITY: 'Мск', NAME: 'x' }, ['UF_CRM_CITY'], lists).fields).toEqual({ NAME: 'x' })
    // A field the portal does not describe as a list goes as posted.
    expect(resolveListLabels({ UF_CRM_OTHER: 'x' }, ['UF_CRM_OTHER'], lists).fields).toEqual({ UF_CRM_OTHER: 'x' })
  })

  it('notes unknown labels in COMMENTS, HTML-neutralised like the mapping', () => {
    expect(noteUnknownLabels({ COMMENTS: 'a' }, [['UF_CRM_CITY', '<b>Мск</b>']], 'ru').COMMENTS)
      .toBe('a<br>UF_CRM_CITY: «&lt;b&gt;Мск&lt;/b&gt;» нет в списке')
    expect(noteUnknownLabels({}, [['UF_CRM_CITY', 'X']], 'en').COMMENTS).toBe('UF_CRM_CITY: "X" is not in the list')
    expect(noteUnknownLabels({ NAME: 'n' }, [], 'en')).toEqual({ NAME: 'n' })
  })

  it('the cache loads once per refresh interval, shares a load in flight, and tries again after a failed load', async () => {
    let now = 0
    let loads = 0
    const cache = new ListFieldCache(1000, () => now)
    const load = async (): Promise<typeof city[]> => { loads++; return [city] }
    const [a, b] = await Promise.all([cache.get(load), cache.get(load)])
    expect(a?.get('UF_CRM_CITY')).toEqual(city)
    expect(b).toBe(a)
    now = 999
    await cache.get(load)
    expect(loads).toBe(1)
    now = 1000
    await cache.get(load)
    expect(loads).toBe(2)
    now = 5000
    expect(await cache.get(async () => undefined)).toBeUndefined()
    await cache.get(load)
    expect(loads).toBe(3)
  })
})
