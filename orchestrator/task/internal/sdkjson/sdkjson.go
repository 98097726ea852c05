// Package sdkjson converts between the JSON values of Task states (nil,
// bool, string, json.Number, []any, map[string]any) and the input and
// output structs of the AWS SDK for Go v2.
//
// Step Functions names a service API's members as the API does (PascalCase),
// which is how the SDK names its struct fields, so one reflective converter
// serves every integration. Decoding is strict about names (exact case, no
// unknown fields) and, like the Java SDK that Step Functions uses, lenient
// about scalars: a number or a boolean fills a string field with its JSON
// text, and a numeric string fills a number field.
package sdkjson

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// FieldError is a value that does not fit the SDK type at Path.
type FieldError struct {
	Path string // "Destination.ToAddresses[0]"; "" for the top level
	Msg  string // the whole message, naming Path
}

// Error returns the message.
func (e *FieldError) Error() string { return e.Msg }

// Errorf returns a FieldError for path whose message is "The value for the
// field '<path>' " followed by the formatted text.
func Errorf(path, format string, args ...any) *FieldError {
	what := "The value"
	if path != "" {
		what = fmt.Sprintf("The value for the field '%s'", path)
	}
	return &FieldError{Path: path, Msg: what + " " + fmt.Sprintf(format, args...)}
}

// Hook converts the values of one Go type the reflective rules cannot
// handle (interfaces such as DynamoDB's AttributeValue). Decode returns the
// converted value; Encode the JSON value.
type Hook struct {
	Type   reflect.Type
	Decode func(path string, v any) (reflect.Value, error)
	Encode func(v reflect.Value) (any, error)
}

// Decode fills the struct dst points to from v, a JSON object.
func Decode(v any, dst any, hooks ...Hook) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("sdkjson: Decode needs a pointer to a struct, not %T", dst)
	}
	d := decoder{hooks: hooks}
	return d.value("", v, rv.Elem())
}

type decoder struct{ hooks []Hook }

func (d *decoder) hook(t reflect.Type) *Hook {
	for i := range d.hooks {
		if d.hooks[i].Type == t {
			return &d.hooks[i]
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// typeWord names a JSON type the way Step Functions' messages do.
func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a STRING"
	case reflect.Bool:
		return "a BOOLEAN"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an INTEGER"
	case reflect.Float32, reflect.Float64:
		return "a NUMBER"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64-encoded STRING"
		}
		return "an ARRAY"
	case reflect.Map, reflect.Struct:
		return "an OBJECT"
	}
	return "a " + strings.ToUpper(t.Kind().String())
}

func (d *decoder) mismatch(path string, t reflect.Type, v any) error {
	return Errorf(path, "must be %s, not %s", typeWord(t), value.TypeName(v))
}

func (d *decoder) value(path string, v any, dst reflect.Value) error {
	t := dst.Type()
	if h := d.hook(t); h != nil {
		out, err := h.Decode(path, v)
		if err != nil {
			return err
		}
		dst.Set(out)
		return nil
	}
	if t == reflect.TypeFor[time.Time]() {
		tm, err := decodeTime(v)
		if err != nil {
			return Errorf(path, "%s", err)
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v == nil {
			dst.SetZero()
			return nil
		}
		p := reflect.New(t.Elem())
		if err := d.value(path, v, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return d.mismatch(path, t, v)
		}
		for _, name := range value.SortedKeys(obj) {
			f, ok := t.FieldByName(name)
			if !ok || !f.IsExported() || f.Anonymous || name == "ResultMetadata" {
				return &FieldError{Path: join(path, name), Msg: fmt.Sprintf("The field '%s' is not supported by Step Functions", join(path, name))}
			}
			if err := d.value(join(path, name), obj[name], dst.FieldByIndex(f.Index)); err != nil {
				return err
			}
		}
		return nil
	case reflect.String:
		s, ok := scalarString(v)
		if !ok {
			return d.mismatch(path, t, v)
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		switch b := v.(type) {
		case bool:
			dst.SetBool(b)
			return nil
		case string:
			if b == "true" || b == "false" {
				dst.SetBool(b == "true")
				return nil
			}
		}
		return d.mismatch(path, t, v)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := number(v)
		if !ok {
			return d.mismatch(path, t, v)
		}
		i, err := strconv.ParseInt(n, 10, t.Bits())
		if err != nil {
			return Errorf(path, "must be an INTEGER that fits in %d bits, not %s", t.Bits(), n)
		}
		dst.SetInt(i)
		return nil
	case reflect.Float32, reflect.Float64:
		n, ok := number(v)
		if !ok {
			return d.mismatch(path, t, v)
		}
		f, err := strconv.ParseFloat(n, t.Bits())
		if err != nil || math.IsInf(f, 0) {
			return Errorf(path, "must be a finite NUMBER, not %s", n)
		}
		dst.SetFloat(f)
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				return d.mismatch(path, t, v)
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return Errorf(path, "must be a base64-encoded STRING: %v", err)
			}
			dst.SetBytes(b)
			return nil
		}
		arr, ok := v.([]any)
		if !ok {
			return d.mismatch(path, t, v)
		}
		s := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			if err := d.value(fmt.Sprintf("%s[%d]", path, i), e, s.Index(i)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return d.mismatch(path, t, v)
		}
		m := reflect.MakeMapWithSize(t, len(obj))
		for _, k := range value.SortedKeys(obj) {
			e := reflect.New(t.Elem()).Elem()
			if err := d.value(join(path, k), obj[k], e); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		dst.Set(m)
		return nil
	}
	return Errorf(path, "has a type (%s) that Step Functions cannot fill", t)
}

// scalarString is a string field's text: a string, or a number's or a
// boolean's JSON text.
func scalarString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case json.Number:
		return s.String(), true
	case bool:
		return strconv.FormatBool(s), true
	}
	return "", false
}

// number is a number field's text: a number or a numeric string.
func number(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), true
	case string:
		if _, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
			return strings.TrimSpace(n), true
		}
	}
	return "", false
}

// decodeTime reads a timestamp: an ISO 8601 text or epoch seconds.
func decodeTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case string:
		tm, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("must be an ISO 8601 timestamp: %q", t)
		}
		return tm, nil
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return time.Time{}, fmt.Errorf("must be a timestamp, not %s", t)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("must be a timestamp, not %s", value.TypeName(v))
}

// Encode returns the JSON value of an SDK struct (or pointer to one): its
// exported fields by name, without nil pointers, slices and maps and
// without ResultMetadata.
func Encode(v any, hooks ...Hook) (any, error) {
	d := decoder{hooks: hooks}
	return d.encode(reflect.ValueOf(v))
}

func (d *decoder) encode(rv reflect.Value) (any, error) {
	if !rv.IsValid() {
		return nil, nil
	}
	t := rv.Type()
	if h := d.hook(t); h != nil {
		return h.Encode(rv)
	}
	if t == reflect.TypeFor[time.Time]() {
		return rv.Interface().(time.Time).UTC().Format(time.RFC3339Nano), nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return d.encode(rv.Elem())
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Anonymous || f.Name == "ResultMetadata" {
				continue
			}
			fv := rv.Field(i)
			switch fv.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
				if fv.IsNil() {
					continue
				}
			}
			e, err := d.encode(fv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
			out[f.Name] = e
		}
		return out, nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return value.Int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return json.Number(strconv.FormatUint(rv.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		return value.Float(rv.Float()), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(rv.Bytes()), nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			e, err := d.encode(rv.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			e, err := d.encode(it.Value())
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("sdkjson: cannot encode a %s", t)
}
