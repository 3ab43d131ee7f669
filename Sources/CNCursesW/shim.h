#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>
// Swift 6 rejects the global mutable stdscr/COLORS as not concurrency-safe, and
// COLOR_PAIR/A_* are macros: reach them through small inline functions.
static inline WINDOW *rs_stdscr(void) { return stdscr; }
static inline int rs_colors(void) { return COLORS; }
static inline int rs_color_pairs(void) { return COLOR_PAIRS; }
static inline int rs_lines(void) { return LINES; }
static inline int rs_cols(void) { return COLS; }
static inline int rs_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int rs_a_bold(void) { return (int)A_BOLD; }
static inline int rs_a_reverse(void) { return (int)A_REVERSE; }
static inline int rs_a_dim(void) { return (int)A_DIM; }
static inline int rs_a_underline(void) { return (int)A_UNDERLINE; }
// stdout and stdin are rejected for the same reason.
static inline SCREEN *rs_newterm(void) { return newterm(NULL, stdout, stdin); }
