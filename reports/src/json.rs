//! JSON text for people and programs: indented like `serde_json`'s pretty
//! printer, except that an array of numbers or strings stays on one line,
//! so a series of a thousand points is one line, not a thousand.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// Serializes `value` as indented JSON with scalar arrays kept on one line,
/// ending with a newline.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ArraysInline::default());
    value.serialize(&mut ser)?;
    out.push(b'\n');
    // serde_json only writes UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// An open array or object.
#[derive(Debug, Default)]
struct Frame {
    array: bool,
    has_value: bool,
    /// The array holds a container, so each element gets its own line.
    multiline: bool,
    /// An array element has begun but nothing of it is written yet; the
    /// flag says whether it is the first.
    pending: Option<bool>,
}

#[derive(Debug, Default)]
struct ArraysInline {
    frames: Vec<Frame>,
}

impl ArraysInline {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.frames.len() {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Writes the separator an array element needs, once its kind is known.
    fn before_value<W: ?Sized + Write>(&mut self, w: &mut W, container: bool) -> io::Result<()> {
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        if !frame.array {
            return Ok(());
        }
        let Some(first) = frame.pending.take() else {
            return Ok(());
        };
        if container {
            frame.multiline = true;
        }
        if frame.multiline {
            if !first {
                w.write_all(b",")?;
            }
            self.newline(w)
        } else if !first {
            w.write_all(b", ")
        } else {
            Ok(())
        }
    }
}

macro_rules! scalar {
    ($($name:ident($t:ty)),* $(,)?) => {
        $(
            fn $name<W: ?Sized + Write>(&mut self, w: &mut W, v: $t) -> io::Result<()> {
                self.before_value(w, false)?;
                CompactFormatter.$name(w, v)
            }
        )*
    };
}

impl Formatter for ArraysInline {
    scalar!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
    );

    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.before_value(w, false)?;
        w.write_all(b"null")
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.before_value(w, false)?;
        w.write_all(b"\"")
    }

    fn write_raw_fragment<W: ?Sized + Write>(&mut self, w: &mut W, f: &str) -> io::Result<()> {
        self.before_value(w, false)?;
        w.write_all(f.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.before_value(w, true)?;
        self.frames.push(Frame {
            array: true,
            ..Frame::default()
        });
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let frame = self.frames.pop().unwrap_or_default();
        if frame.multiline {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, _w: &mut W, first: bool) -> io::Result<()> {
        if let Some(frame) = self.frames.last_mut() {
            frame.pending = Some(first);
            frame.has_value = true;
        }
        Ok(())
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.before_value(w, true)?;
        self.frames.push(Frame::default());
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let frame = self.frames.pop().unwrap_or_default();
        if frame.has_value {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(frame) = self.frames.last_mut() {
            frame.has_value = true;
        }
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn should_keep_scalar_arrays_on_one_line_and_indent_the_rest() {
        let v = json!({
            "a": [1, 2.5, "x"],
            "b": [{"c": []}, [true, null]],
            "d": {},
            "e": "q\"uote"
        });
        let text = to_json(&v).unwrap();
        let expected = r#"{
  "a": [1, 2.5, "x"],
  "b": [
    {
      "c": []
    },
    [true, null]
  ],
  "d": {},
  "e": "q\"uote"
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn should_round_trip_to_the_same_value() {
        let v = json!({"series": [[1, 2], [3, 4]], "n": -3, "f": 1e-7, "s": ["a,b", "]"]});
        let back: serde_json::Value = serde_json::from_str(&to_json(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }
}
