import { describe, expect, it } from 'vitest';
import { historyTensorData } from '../../src/core/history';

describe('historyTensorData', () => {
  it('right-aligns, left-pads with 0 and sizes to the longest row', () => {
    const { data, dims } = historyTensorData([[5], [1, 2, 3], []], 50);
    expect(dims).toEqual([3, 3]);
    expect(Array.from(data, Number)).toEqual([0, 0, 5, 1, 2, 3, 0, 0, 0]);
  });
  it('keeps the most recent maxHistory items of each row', () => {
    const { data, dims } = historyTensorData(
      [
        [1, 2, 3, 4, 5, 6],
        [7, 8],
      ],
      4,
    );
    expect(dims).toEqual([2, 4]);
    expect(Array.from(data, Number)).toEqual([3, 4, 5, 6, 0, 0, 7, 8]);
  });
  it('has length at least 1', () => {
    const { data, dims } = historyTensorData([[], []], 10);
    expect(dims).toEqual([2, 1]);
    expect(Array.from(data, Number)).toEqual([0, 0]);
    expect(historyTensorData([], 10).dims).toEqual([0, 1]);
  });
  it('returns int64 data', () => {
    expect(historyTensorData([[2 ** 40]], 1).data[0]).toBe(2n ** 40n);
  });
});
