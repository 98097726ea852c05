package jsonata

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

const isoMillis = "2006-01-02T15:04:05.000Z07:00"

func isoString(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func fnNow(c *evalCtx, args []any, _ any) (any, error) {
	t := c.now()
	if pic, ok := argOr(args, 0).(string); ok {
		tz, _ := argOr(args, 1).(string)
		return formatPicture(t, pic, tz)
	}
	return isoString(t), nil
}

func fnMillis(c *evalCtx, _ []any, _ any) (any, error) {
	return value.Int(c.now().UnixMilli()), nil
}

func fnFromMillis(_ *evalCtx, args []any, _ any) (any, error) {
	ms, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	t := time.UnixMilli(int64(ms)).UTC()
	if pic, ok := argOr(args, 1).(string); ok {
		tz, _ := argOr(args, 2).(string)
		return formatPicture(t, pic, tz)
	}
	return isoString(t), nil
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
	"2006-01",
	"2006",
}

func fnToMillis(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	if pic, ok := argOr(args, 1).(string); ok {
		t, err := parsePicture(s, pic)
		if err != nil {
			return nil, err
		}
		if t == nil {
			return undefined, nil
		}
		return value.Int(t.UnixMilli()), nil
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return value.Int(t.UnixMilli()), nil
		}
	}
	return nil, rtErr("D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given %s", jsString(s))
}

// formatPicture supports the common XPath picture components: [Y], [M],
// [D], [H], [h], [m], [s], [f], [P], [Z], [z] with width/padding
// modifiers given by zeros (e.g. [Y0001]-[M01]-[D01]), and [MNn] month
// and [FNn] day names.
func formatPicture(t time.Time, pic, tz string) (any, error) {
	if tz != "" {
		sign := 1
		z := tz
		if z[0] == '-' {
			sign = -1
		}
		z = strings.TrimLeft(z, "+-")
		if len(z) == 4 {
			h, _ := strconv.Atoi(z[:2])
			m, _ := strconv.Atoi(z[2:])
			t = t.In(time.FixedZone("", sign*(h*3600+m*60)))
		}
	}
	var b strings.Builder
	for i := 0; i < len(pic); i++ {
		ch := pic[i]
		if ch == '[' {
			if i+1 < len(pic) && pic[i+1] == '[' {
				b.WriteByte('[')
				i++
				continue
			}
			end := strings.IndexByte(pic[i:], ']')
			if end < 0 {
				return nil, rtErr("D3135", "No matching closing bracket ']' in date/time picture string")
			}
			comp := strings.ReplaceAll(pic[i+1:i+end], " ", "")
			i += end
			b.WriteString(formatComponent(t, comp))
			continue
		}
		if ch == ']' && i+1 < len(pic) && pic[i+1] == ']' {
			i++
		}
		b.WriteByte(ch)
	}
	return b.String(), nil
}

func formatComponent(t time.Time, comp string) string {
	if comp == "" {
		return ""
	}
	spec := comp[0]
	mod := comp[1:]
	minW, maxW := -1, -1
	if i := strings.IndexByte(mod, ','); i >= 0 {
		w := mod[i+1:]
		mod = mod[:i]
		lo, hi, _ := strings.Cut(w, "-")
		if n, err := strconv.Atoi(lo); err == nil {
			minW = n
		}
		if n, err := strconv.Atoi(hi); err == nil {
			maxW = n
		}
	}
	ordinal := strings.HasSuffix(mod, "o")
	mod = strings.TrimSuffix(mod, "o")
	num := func(v int, defWidth int) string {
		width := defWidth
		if mod != "" && mod[0] >= '0' && mod[0] <= '9' {
			width = len(mod)
		}
		if minW > 0 {
			width = minW
		}
		s := fmt.Sprintf("%0*d", width, v)
		if maxW > 0 && len(s) > maxW {
			s = s[len(s)-maxW:]
		} else if minW > 0 && maxW < 0 && spec == 'Y' && len(s) > minW {
			s = s[len(s)-minW:]
		}
		if ordinal {
			s += ordinalSuffix(v)
		}
		return s
	}
	name := func(full string) string {
		if maxW > 0 && len(full) > maxW {
			full = full[:maxW]
		}
		switch {
		case strings.HasPrefix(mod, "Nn"):
			return full
		case strings.HasPrefix(mod, "N"):
			return strings.ToUpper(full)
		case strings.HasPrefix(mod, "n"):
			return strings.ToLower(full)
		}
		return ""
	}
	switch spec {
	case 'Y':
		y := t.Year()
		if mod == "01" || mod == "00" {
			return fmt.Sprintf("%02d", y%100)
		}
		return num(y, 1)
	case 'M':
		if n := name(t.Month().String()); n != "" {
			return n
		}
		return num(int(t.Month()), 1)
	case 'D':
		return num(t.Day(), 1)
	case 'd':
		return num(t.YearDay(), 1)
	case 'F':
		if n := name(t.Weekday().String()); n != "" {
			return n
		}
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return num(wd, 1)
	case 'H':
		return num(t.Hour(), 1)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return num(h, 1)
	case 'P':
		p := "am"
		if t.Hour() >= 12 {
			p = "pm"
		}
		if strings.HasPrefix(mod, "N") {
			return strings.ToUpper(p)
		}
		return p
	case 'm':
		return num(t.Minute(), 2)
	case 's':
		return num(t.Second(), 2)
	case 'f':
		ms := t.Nanosecond() / 1e6
		w := 3
		if mod != "" {
			w = len(mod)
		}
		s := fmt.Sprintf("%03d", ms)
		for len(s) < w {
			s += "0"
		}
		return s[:w]
	case 'Z', 'z':
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign = "-"
			off = -off
		}
		s := fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)
		if mod == "0000" {
			s = strings.ReplaceAll(s, ":", "")
		}
		if spec == 'z' {
			return "GMT" + s
		}
		if off == 0 && strings.HasSuffix(mod, "t") {
			return "Z"
		}
		return s
	}
	return "[" + comp + "]"
}

// parsePicture parses s with a picture made of numeric components; it
// returns nil when s does not match.
func parsePicture(s, pic string) (*time.Time, error) {
	y, mo, d, h, mi, sec, ms := 1970, 1, 1, 0, 0, 0, 0
	si := 0
	for i := 0; i < len(pic); i++ {
		if pic[i] != '[' {
			if si < len(s) && s[si] == pic[i] {
				si++
			}
			continue
		}
		end := strings.IndexByte(pic[i:], ']')
		if end < 0 {
			return nil, rtErr("D3135", "No matching closing bracket ']' in date/time picture string")
		}
		comp := pic[i+1 : i+end]
		i += end
		j := si
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == si {
			return nil, nil
		}
		v, _ := strconv.Atoi(s[si:j])
		si = j
		switch comp[0] {
		case 'Y':
			y = v
		case 'M':
			mo = v
		case 'D':
			d = v
		case 'H':
			h = v
		case 'm':
			mi = v
		case 's':
			sec = v
		case 'f':
			ms = v
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ms*1e6, time.UTC)
	return &t, nil
}

var _ = isoMillis

func ordinalSuffix(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}
