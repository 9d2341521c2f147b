import { isAcceptedBodyType } from './hardening.js';

describe('isAcceptedBodyType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json', 'multipart/form-data; boundary=x'])(
    'accepts %s',
    (type) => expect(isAcceptedBodyType(type)).toBe(true),
  );

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'text/json', ''])('refuses %p', (type) =>
    expect(isAcceptedBodyType(type)).toBe(false),
  );
});
