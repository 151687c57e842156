// textFromBytes is the native shortcut of textFromBinary(binaryFromBytes(b)) (the account database is
// decoded with it on every callout): the same string for any bytes, invalid UTF-8 included.
import t from 'tap';
import fc from 'fast-check';
import { binaryFromBytes, textFromBinary, textFromBytes } from '../src/bytes.js';

t.test('textFromBytes equals textFromBinary(binaryFromBytes(b)) for any bytes', async (t) => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
  );
  fc.assert(
    fc.property(bytes, (b) => textFromBytes(b) === textFromBinary(binaryFromBytes(b))),
    { numRuns: 2000 },
  );
  const inside = new Uint8Array([0x41, 0xc3, 0xa9, 0xff, 0x42]).subarray(1, 4);
  t.equal(textFromBytes(inside), textFromBinary(binaryFromBytes(inside)), 'a view into a larger buffer');
  t.pass();
});
