import { isAcceptedBodyType, isMultipartWithoutBoundary } from './hardening.js';

describe('isAcceptedBodyType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json', 'multipart/form-data; boundary=x'])(
    'accepts %s',
    (type) => expect(isAcceptedBodyType(type)).toBe(true),
  );

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'text/json', ''])('refuses %p', (type) =>
    expect(isAcceptedBodyType(type)).toBe(false),
  );
});

describe('isMultipartWithoutBoundary', () => {
  it('flags multipart/form-data without a boundary', () => {
    expect(isMultipartWithoutBoundary('multipart/form-data')).toBe(true);
    expect(isMultipartWithoutBoundary('multipart/form-data; charset=utf-8')).toBe(true);
    expect(isMultipartWithoutBoundary('multipart/form-data; boundary=')).toBe(true);
  });

  it('passes a proper multipart type and anything else', () => {
    expect(isMultipartWithoutBoundary('multipart/form-data; boundary=----x')).toBe(false);
    expect(isMultipartWithoutBoundary('Multipart/Form-Data;BOUNDARY=abc')).toBe(false);
    expect(isMultipartWithoutBoundary('application/json')).toBe(false);
  });
});
