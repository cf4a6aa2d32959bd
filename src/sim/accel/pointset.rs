//! Sets of points of a tensor as lists of axis-aligned boxes, with Timeloop's MultiAAHR semantics
//! (box-minus-box splits into up to 2*rank boxes, equality compares the box lists, translation is
//! the rounded difference of size-weighted centroids), so deltas and multicast matches come out
//! the way Timeloop counts them.

/// Largest tensor rank handled (Timeloop's CNN layers have rank 4).
pub const MAX_RANK: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aahr {
    pub min: [i64; MAX_RANK],
    pub max: [i64; MAX_RANK],
}

impl Aahr {
    fn size(&self, rank: usize) -> u64 {
        (0..rank)
            .map(|r| (self.max[r] - self.min[r]).max(0) as u64)
            .product()
    }

    /// `self - b` as boxes (Timeloop's MultiSubtract).
    fn multi_subtract(&self, b: &Aahr, rank: usize, out: &mut Vec<Aahr>) {
        for r in 0..rank {
            if self.max[r] <= b.min[r] || b.max[r] <= self.min[r] {
                out.push(*self);
                return;
            }
        }
        let mut middle = *self;
        for r in 0..rank {
            if middle.min[r] < b.min[r] {
                let mut left = middle;
                left.max[r] = b.min[r];
                out.push(left);
                middle.min[r] = b.min[r];
            }
            if b.max[r] < middle.max[r] {
                let mut right = middle;
                right.min[r] = b.max[r];
                out.push(right);
                middle.max[r] = b.max[r];
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct PointSet {
    pub boxes: Vec<Aahr>,
}

impl PointSet {
    pub fn from_box(min: [i64; MAX_RANK], max: [i64; MAX_RANK]) -> PointSet {
        PointSet {
            boxes: vec![Aahr { min, max }],
        }
    }

    pub fn size(&self, rank: usize) -> u64 {
        self.boxes.iter().map(|b| b.size(rank)).sum()
    }

    pub fn is_empty(&self, rank: usize) -> bool {
        self.boxes.iter().all(|b| b.size(rank) == 0)
    }

    pub fn subtract(&mut self, other: &PointSet, rank: usize) {
        let mut deltas = Vec::new();
        for b in &other.boxes {
            for a in &self.boxes {
                a.multi_subtract(b, rank, &mut deltas);
            }
            std::mem::swap(&mut deltas, &mut self.boxes);
            deltas.clear();
        }
    }

    /// Timeloop's MultiAAHR equality: as many boxes, each found in the other list.
    pub fn same(&self, other: &PointSet, rank: usize) -> bool {
        if self.boxes.len() != other.boxes.len() {
            return false;
        }
        self.boxes.iter().all(|a| {
            other
                .boxes
                .iter()
                .any(|b| (0..rank).all(|r| a.min[r] == b.min[r] && a.max[r] == b.max[r]))
        })
    }

    fn centroid(&self, rank: usize) -> (Vec<f64>, u64) {
        let mut c = vec![0.0; rank];
        let mut total = 0u64;
        for b in &self.boxes {
            let s = b.size(rank);
            for (r, slot) in c.iter_mut().enumerate() {
                let mid = b.min[r] as f64 + (b.max[r] - 1 - b.min[r]) as f64 / 2.0;
                *slot += mid * s as f64;
            }
            total += s;
        }
        if total != 0 {
            for slot in c.iter_mut() {
                *slot /= total as f64;
            }
        }
        (c, total)
    }

    /// The vector that moves `self` onto `to`.
    pub fn translation(&self, to: &PointSet, rank: usize) -> [i64; MAX_RANK] {
        let (a, ta) = self.centroid(rank);
        let (b, tb) = to.centroid(rank);
        let mut v = [0i64; MAX_RANK];
        if ta > 0 && tb > 0 {
            for r in 0..rank {
                v[r] = (b[r] - a[r]).round() as i64;
            }
        }
        v
    }

    pub fn translate(&mut self, v: &[i64; MAX_RANK], rank: usize) {
        for b in &mut self.boxes {
            for (r, dv) in v.iter().enumerate().take(rank) {
                b.min[r] += dv;
                b.max[r] += dv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b1(lo: i64, hi: i64) -> PointSet {
        let mut min = [0; MAX_RANK];
        let mut max = [0; MAX_RANK];
        min[0] = lo;
        max[0] = hi;
        PointSet::from_box(min, max)
    }

    #[test]
    fn sliding_window_delta_is_the_new_part() {
        let mut cur = b1(1, 17);
        cur.subtract(&b1(0, 16), 1);
        assert_eq!(cur.size(1), 1);
        assert_eq!(cur.boxes[0].min[0], 16);
    }

    #[test]
    fn disjoint_sets_subtract_to_themselves_and_translate_by_offset() {
        let mut cur = b1(16, 32);
        cur.subtract(&b1(0, 16), 1);
        assert_eq!(cur.size(1), 16);
        assert_eq!(b1(0, 16).translation(&b1(16, 32), 1)[0], 16);
    }
}
