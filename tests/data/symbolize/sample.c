/*
 * Built by tests/test_symbolize.py with `gcc -g -O2`. The MARK comments name the
 * lines the test expects the symbolizer to report; always_inline forces the inline
 * chain read_value <- lookup <- table_get that a kernel oops typically shows.
 */
struct item {
	int key;
	int value;
	struct item *next;
};

static inline __attribute__((always_inline)) int read_value(const struct item *it)
{
	return *(volatile const int *)&it->value; /* MARK:read_value */
}

static inline __attribute__((always_inline)) int lookup(const struct item *it, int key)
{
	while (it && it->key != key)
		it = it->next;
	return read_value(it); /* MARK:lookup_call */
}

__attribute__((noinline)) int table_get(const struct item *head, int key)
{
	int v = lookup(head, key); /* MARK:table_get_call */

	return v + 1;
}

__attribute__((noinline)) int caller(const struct item *head)
{
	int r = table_get(head, 3); /* MARK:caller_call */

	return r * 2;
}

int main(void)
{
	struct item a = { 3, 4, 0 };

	return caller(&a);
}
