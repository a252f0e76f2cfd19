//! A small unsigned big integer: just what exact decimal <-> binary
//! conversion needs (the rare slow paths of `strtod` and all of `long double`).

use core::cmp::Ordering;

/// Unsigned big integer, little-endian 32-bit limbs, no trailing zero limbs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Big(Vec<u32>);

impl Big {
    pub(crate) fn zero() -> Big {
        Big(Vec::new())
    }

    pub(crate) fn from_u128(mut v: u128) -> Big {
        let mut l = Vec::new();
        while v != 0 {
            l.push(v as u32);
            v >>= 32;
        }
        Big(l)
    }

    /// The value, if it fits in 64 bits.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        match self.0.as_slice() {
            [] => Some(0),
            [a] => Some(u64::from(*a)),
            [a, b] => Some(u64::from(*a) | u64::from(*b) << 32),
            _ => None,
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    /// Number of significant bits (0 for zero).
    pub(crate) fn bits(&self) -> i64 {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() as i64 * 32 - i64::from(top.leading_zeros()),
        }
    }

    pub(crate) fn bit(&self, i: i64) -> bool {
        let limb = (i / 32) as usize;
        i >= 0 && limb < self.0.len() && (self.0[limb] >> (i % 32)) & 1 == 1
    }

    /// Number of zero bits below the lowest one (0 for zero).
    pub(crate) fn trailing_zeros(&self) -> i64 {
        match self.0.iter().position(|&l| l != 0) {
            None => 0,
            Some(i) => i as i64 * 32 + i64::from(self.0[i].trailing_zeros()),
        }
    }

    /// True if any bit below position `n` is set.
    pub(crate) fn any_below(&self, n: i64) -> bool {
        if n <= 0 {
            return false;
        }
        let full = ((n / 32) as usize).min(self.0.len());
        if self.0[..full].iter().any(|&l| l != 0) {
            return true;
        }
        let rest = (n % 32) as u32;
        rest != 0 && full < self.0.len() && self.0[full] & ((1u32 << rest) - 1) != 0
    }

    /// `self = self * m + a`.
    pub(crate) fn mul_add_small(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for l in &mut self.0 {
            let v = u64::from(*l) * u64::from(m) + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    pub(crate) fn pow10(n: u32) -> Big {
        let mut b = Big(vec![1]);
        let mut left = n;
        while left >= 9 {
            b.mul_add_small(1_000_000_000, 0);
            left -= 9;
        }
        if left > 0 {
            b.mul_add_small(10u32.pow(left), 0);
        }
        b
    }

    pub(crate) fn mul(&self, o: &Big) -> Big {
        if self.is_zero() || o.is_zero() {
            return Big::zero();
        }
        let mut r = vec![0u32; self.0.len() + o.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in o.0.iter().enumerate() {
                let v = u64::from(a) * u64::from(b) + u64::from(r[i + j]) + carry;
                r[i + j] = v as u32;
                carry = v >> 32;
            }
            r[i + o.0.len()] = carry as u32;
        }
        Big(r).trim()
    }

    pub(crate) fn shl(&self, n: i64) -> Big {
        if self.is_zero() {
            return Big::zero();
        }
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        let mut r = vec![0u32; limbs];
        r.reserve(self.0.len() + 1);
        let mut carry = 0u32;
        for &l in &self.0 {
            r.push((l << bits) | carry);
            carry = if bits == 0 { 0 } else { l >> (32 - bits) };
        }
        r.push(carry);
        Big(r).trim()
    }

    pub(crate) fn shr(&self, n: i64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        if limbs >= self.0.len() {
            return Big::zero();
        }
        let src = &self.0[limbs..];
        let r = (0..src.len())
            .map(|i| {
                let hi = if bits == 0 { 0 } else { src.get(i + 1).map_or(0, |&h| h << (32 - bits)) };
                (src[i] >> bits) | hi
            })
            .collect();
        Big(r).trim()
    }

    pub(crate) fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    /// `self - o`; requires `self >= o`.
    pub(crate) fn sub(&self, o: &Big) -> Big {
        let mut r = self.0.clone();
        let mut borrow = 0i64;
        for (i, l) in r.iter_mut().enumerate() {
            let v = i64::from(*l) - i64::from(o.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            *l = v.rem_euclid(1 << 32) as u32;
        }
        Big(r).trim()
    }

    pub(crate) fn add(&self, o: &Big) -> Big {
        let n = self.0.len().max(o.0.len());
        let mut r = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v =
                u64::from(self.0.get(i).copied().unwrap_or(0)) + u64::from(o.0.get(i).copied().unwrap_or(0)) + carry;
            r.push(v as u32);
            carry = v >> 32;
        }
        r.push(carry as u32);
        Big(r).trim()
    }

    pub(crate) fn add_one(&self) -> Big {
        self.add(&Big(vec![1]))
    }

    /// Quotient and whether the remainder is nonzero (long division, one
    /// bit at a time: the quotients needed here have about 70 bits).
    pub(crate) fn div(&self, m: &Big) -> (Big, bool) {
        let mut r = self.clone();
        let shift = self.bits() - m.bits();
        let mut q = vec![0u32; (shift.max(0) / 32 + 1) as usize];
        let mut t = m.shl(shift.max(0));
        for i in (0..=shift).rev() {
            if r.cmp(&t) != Ordering::Less {
                r = r.sub(&t);
                q[(i / 32) as usize] |= 1 << (i % 32);
            }
            t = t.shr(1);
        }
        (Big(q).trim(), !r.is_zero())
    }

    /// Decimal digits (`"0"` for zero).
    pub(crate) fn to_decimal(&self) -> Vec<u8> {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let v = (rem << 32) | u64::from(*l);
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(rem as u32);
        }
        let mut out = Vec::with_capacity(chunks.len() * 9);
        let mut buf = [0u8; crate::INT_BUF_LEN];
        match chunks.pop() {
            None => out.push(b'0'),
            Some(c) => out.extend_from_slice(crate::format_u64(u64::from(c), &mut buf)),
        }
        for c in chunks.iter().rev() {
            let d = crate::format_u64(u64::from(*c), &mut buf);
            out.extend(core::iter::repeat_n(b'0', 9 - d.len()));
            out.extend_from_slice(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let a = Big::from_u128(u128::MAX / 3);
        let b = Big::from_u128(12_345_678_901);
        assert_eq!(a.mul(&b).div(&b), (a.clone(), false));
        assert_eq!(a.add(&b).sub(&b), a);
        assert_eq!(a.shl(77).shr(77), a);
        assert_eq!(Big::pow10(30).to_decimal(), b"1000000000000000000000000000000");
        assert_eq!(Big::from_u128(1_000_000_007).to_decimal(), b"1000000007");
        assert_eq!(Big::zero().to_decimal(), b"0");
        let (q, rem) = Big::from_u128(100).div(&Big::from_u128(7));
        assert_eq!((q.to_u64(), rem), (Some(14), true));
        assert!(Big::from_u128(0b1000).any_below(4));
        assert!(!Big::from_u128(0b1000).any_below(3));
        assert!(Big::from_u128(1 << 40).any_below(41));
        assert!(!Big::from_u128(1 << 40).any_below(40));
    }
}
