/** Returns the first `n` Fibonacci numbers. */
export function fibonacci(n: number): number[] {
  const out: number[] = [];
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) {
    out.push(a);
    [a, b] = [b, a + b];
  }
  return out;
}

console.log(fibonacci(10).join(', '));
