import { parseTaskListQuery } from './list-query.js';

describe('parseTaskListQuery', () => {
  it('defaults to the first page of 20', () => {
    expect(parseTaskListQuery({})).toEqual({ page: 1, size: 20 });
  });

  it('reads page, size and owner', () => {
    expect(parseTaskListQuery({ page: '3', size: '100', owner: 'acme' })).toEqual({ page: 3, size: 100, owner: 'acme' });
  });

  it.each([
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ page: '1.5' }, 'page'],
    [{ page: 'two' }, 'page'],
    [{ page: ['1', '2'] }, 'page'],
    [{ size: '0' }, 'size'],
    [{ size: '101' }, 'size'],
    [{ owner: '' }, 'owner'],
  ])('names the bad field in %p', (query, field) => {
    const result = parseTaskListQuery(query);
    expect(Array.isArray(result) && result.map((problem) => problem.field)).toEqual([field]);
  });

  it('ignores parameters it does not know', () => {
    expect(parseTaskListQuery({ _: '123' })).toEqual({ page: 1, size: 20 });
  });
});
