/* zvfio: safe XML parsing and serialization helpers. */
#include "zv-xml.h"
#include "zv-error.h"

#include <libxml/parser.h>
#include <string.h>

/* Parses untrusted XML with a required root element. */
xmlDocPtr
zv_xml_parse (const char *xml, gssize length, const char *root_name, const char *what,
              GError **error)
{
  g_return_val_if_fail (xml != NULL, NULL);
  gsize len = length < 0 ? strlen (xml) : (gsize) length;
  if (len > ZV_XML_MAX_SIZE)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: too large (%" G_GSIZE_FORMAT
                   " bytes, limit %d)", what, len, ZV_XML_MAX_SIZE);
      return NULL;
    }
  if (memchr (xml, '\0', len) != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: contains a NUL byte", what);
      return NULL;
    }
  xmlParserCtxtPtr parser = xmlNewParserCtxt ();
  if (parser == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "%s: out of memory", what);
      return NULL;
    }
  /* No XML_PARSE_NOENT / DTDLOAD / DTDATTR: entities stay unexpanded, no DTD is fetched. */
  xmlDocPtr doc = xmlCtxtReadMemory (parser, xml, len, "input.xml", NULL,
                                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      const xmlError *err = xmlCtxtGetLastError (parser);
      g_autofree char *msg = g_strstrip (g_strdup (err && err->message ? err->message
                                                                       : "parse error"));
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: line %d: %s", what,
                   err ? err->line : 0, msg);
      xmlFreeParserCtxt (parser);
      return NULL;
    }
  xmlFreeParserCtxt (parser);
  xmlNodePtr root = xmlDocGetRootElement (doc);
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: a DOCTYPE is not allowed", what);
  else if (root == NULL || xmlStrcmp (root->name, BAD_CAST root_name) != 0)
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: the root element is not <%s>", what,
                 root_name);
  else
    return doc;
  xmlFreeDoc (doc);
  return NULL;
}

/* Serializes an element as text. */
char *
zv_xml_node_to_string (xmlNodePtr node)
{
  xmlBufferPtr buf = xmlBufferCreate ();
  xmlNodeDump (buf, node->doc, node, 0, 0);
  char *text = g_strdup ((const char *) xmlBufferContent (buf));
  xmlBufferFree (buf);
  return text;
}

/* Serializes a document without the XML declaration. */
char *
zv_xml_doc_to_string (xmlDocPtr doc)
{
  char *text = zv_xml_node_to_string (xmlDocGetRootElement (doc));
  char *with_newline = g_strconcat (text, "\n", NULL);
  g_free (text);
  return with_newline;
}

/* Starts writing XML into OUT. */
void
zv_xml_out_init (ZvXmlOut *out)
{
  out->buffer = xmlBufferCreate ();
  out->writer = xmlNewTextWriterMemory (out->buffer, 0);
  xmlTextWriterSetIndent (out->writer, 1);
  xmlTextWriterSetIndentString (out->writer, BAD_CAST "  ");
  xmlTextWriterSetQuoteChar (out->writer, '\'');
}

/* Finishes OUT and returns the text with a trailing newline. */
char *
zv_xml_out_finish (ZvXmlOut *out)
{
  xmlTextWriterEndDocument (out->writer);
  xmlFreeTextWriter (out->writer);
  const char *content = (const char *) xmlBufferContent (out->buffer);
  char *text = g_str_has_suffix (content, "\n") ? g_strdup (content)
                                                 : g_strconcat (content, "\n", NULL);
  xmlBufferFree (out->buffer);
  return text;
}
