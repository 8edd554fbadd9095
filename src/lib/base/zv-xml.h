/* zvfio: safe parsing of untrusted XML (domain XML, node device XML): no
 * network, no DTD, no entity expansion, bounded size, clear errors. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

G_BEGIN_DECLS

/* Largest XML document zvfio parses. */
#define ZV_XML_MAX_SIZE (4 * 1024 * 1024)

/* Parses XML (LENGTH < 0: NUL-terminated) into a document whose root element is
 * ROOT_NAME; WHAT ("domain XML") prefixes error messages (ZV_ERROR_INVALID).
 * Documents with a DOCTYPE are refused. Free with xmlFreeDoc. */
xmlDocPtr zv_xml_parse (const char *xml, gssize length, const char *root_name, const char *what,
                        GError **error);
/* Serializes NODE (an element) as text. */
char *zv_xml_node_to_string (xmlNodePtr node);
/* Serializes DOC without the XML declaration, with a trailing newline. */
char *zv_xml_doc_to_string (xmlDocPtr doc);

/* A libxml2 text writer into memory, formatting like libvirt (2-space indent,
 * single-quoted attributes). */
typedef struct {
  xmlBufferPtr buffer;
  xmlTextWriterPtr writer;
} ZvXmlOut;

/* Starts writing XML into OUT. */
void zv_xml_out_init (ZvXmlOut *out);
/* Finishes OUT and returns the text with a trailing newline. */
char *zv_xml_out_finish (ZvXmlOut *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

G_END_DECLS
