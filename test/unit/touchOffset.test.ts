import assert from 'node:assert/strict';
import { touchOffset } from '../../src/host/touchOffset';

describe('touchOffset (where a stream touches the document to postpone auto save)', () => {
  it('takes the last character before the end of the inserted text', () => {
    assert.equal(touchOffset('hello world', 5), 4);
    assert.equal(touchOffset('hello world', 11), 10);
  });

  it('skips line breaks and both halves of a surrogate pair', () => {
    assert.equal(touchOffset('ab\r\n', 4), 1);
    assert.equal(touchOffset('a😀\n', 4), 0);
    assert.equal(touchOffset('x\n\n\n', 4), 0);
  });

  it('looks forward when nothing before the end will do, and gives up past its reach', () => {
    assert.equal(touchOffset('\n\nabc', 2), 2);
    assert.equal(touchOffset('', 0), undefined);
    assert.equal(touchOffset('\n\n\n', 3), undefined);
    assert.equal(touchOffset('\n'.repeat(10) + 'a', 5, 4), undefined);
    assert.equal(touchOffset('\n'.repeat(10) + 'a', 5, 6), 10);
  });
});
