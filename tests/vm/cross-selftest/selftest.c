/* Runs inside the emulated mainframe: exercises glib, json-glib, libxml2 and
 * the libvirt client against the guest's libvirtd. Exit 0 = all usable. */
#include <stdio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libvirt/libvirt.h>

int main(void)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) err = NULL;
	unsigned long ver = 0;
	virConnectPtr conn;
	xmlDocPtr doc;
	int nodedevs;

	if (!json_parser_load_from_data(parser, "{\"big_endian\":1}", -1, &err)) {
		fprintf(stderr, "json: %s\n", err->message);
		return 1;
	}
	doc = xmlReadMemory("<a b='1'/>", 10, "x.xml", NULL, 0);
	if (!doc) {
		fprintf(stderr, "libxml2 parse failed\n");
		return 1;
	}
	xmlFreeDoc(doc);
	conn = virConnectOpen("qemu:///system");
	if (!conn) {
		fprintf(stderr, "virConnectOpen(qemu:///system) failed\n");
		return 1;
	}
	virConnectGetLibVersion(conn, &ver);
	nodedevs = virNodeNumOfDevices(conn, "css", 0);
	virConnectClose(conn);
	printf("glib %u.%u json-glib ok libxml2 ok libvirt %lu css-nodedevs %d byteorder %s\n",
	       glib_major_version, glib_minor_version, ver, nodedevs,
	       G_BYTE_ORDER == G_BIG_ENDIAN ? "big" : "little");
	return nodedevs > 0 ? 0 : 1;
}
